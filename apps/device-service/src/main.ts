import { runMain } from '@td/common';
import { startDeviceService } from './bootstrap';
import { DeviceServiceEnv } from './config';

runMain(DeviceServiceEnv, startDeviceService);
