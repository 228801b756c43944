import { runMain } from '@td/common';
import { startDeprovisionWorker } from './bootstrap';
import { loadDeviceServiceConfig } from './config';

/** The deprovisioning worker alone (DEPROV-1), e.g. scaled apart from the API instances. */
runMain(loadDeviceServiceConfig, startDeprovisionWorker);
