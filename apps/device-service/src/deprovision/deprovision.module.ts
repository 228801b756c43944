import { Module, type DynamicModule } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DeviceServiceEnv } from '../config';
import { DevicesModule } from '../devices/devices.module';
import { UsersModule } from '../users/users.module';
import { DeprovisionQueue } from './deprovision.queue';
import { DeprovisionService } from './deprovision.service';

/**
 * Deprovisioning's front half (mark the user, queue the cascade), shared by the admin
 * commands and SCIM. Global so both reach the one queue connection. Needs the global
 * OutboxModule.
 */
@Module({})
export class DeprovisionModule {
  static forRoot(config: DeviceServiceEnv): DynamicModule {
    return {
      module: DeprovisionModule,
      global: true,
      imports: [AuditModule, UsersModule, DevicesModule],
      providers: [
        { provide: DeviceServiceEnv, useValue: config },
        { provide: DeprovisionQueue, useFactory: () => new DeprovisionQueue(config) },
        DeprovisionService,
      ],
      exports: [DeprovisionService, DeprovisionQueue],
    };
  }
}
