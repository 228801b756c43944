import { runMain } from '@td/common';
import { startGateway } from './bootstrap';
import { loadGatewayConfig } from './config';

runMain(loadGatewayConfig, startGateway);
