import type { INestMicroservice } from '@nestjs/common';
import { startService, type StartOptions } from '@td/common';
import { Service } from '@td/contracts';
import { NotificationServiceModule } from './app.module';
import type { NotificationServiceConfig } from './config';

export function startNotificationService(config: NotificationServiceConfig, options: StartOptions = {}): Promise<INestMicroservice> {
  return startService(NotificationServiceModule.forRoot(config), config, Service.notification, options);
}
