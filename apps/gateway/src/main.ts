import { runMain } from '@td/common';
import { startGateway } from './bootstrap';
import { GatewayEnv } from './config';

runMain(GatewayEnv, startGateway);
