import { runMain } from '@td/common';
import { startVerificationService } from './bootstrap';
import { loadVerificationServiceConfig } from './config';

runMain(loadVerificationServiceConfig, startVerificationService);
