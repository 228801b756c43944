import { runMain } from '@td/common';
import { startNotificationService } from './bootstrap';
import { loadNotificationServiceConfig } from './config';

runMain(loadNotificationServiceConfig, startNotificationService);
