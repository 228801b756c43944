import { runMain } from '@td/common';
import { startNotificationService } from './bootstrap';
import { NotificationServiceEnv } from './config';

runMain(NotificationServiceEnv, startNotificationService);
