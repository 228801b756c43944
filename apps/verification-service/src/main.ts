import { runMain } from '@td/common';
import { startVerificationService } from './bootstrap';
import { VerificationServiceEnv } from './config';

runMain(VerificationServiceEnv, startVerificationService);
