import { runMain } from '@td/common';
import { startDeprovisionWorker } from './bootstrap';
import { DeviceServiceEnv } from './config';

/** The deprovisioning worker alone (DEPROV-1), e.g. scaled apart from the API instances. */
runMain(DeviceServiceEnv, startDeprovisionWorker);
