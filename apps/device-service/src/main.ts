import { runMain } from '@td/common';
import { startDeviceService } from './bootstrap';
import { loadDeviceServiceConfig } from './config';

runMain(loadDeviceServiceConfig, startDeviceService);
