import { Module, type DynamicModule } from '@nestjs/common';
import { AuditLog } from '../audit/audit.log';
import { ExpiryRepository } from './expiry.repository';
import { EXPIRY_SETTINGS, ExpirySweeper, type ExpirySettings } from './expiry.sweeper';

/** SETUP-5: pending devices expire. Needs the global OutboxModule and NatsModule. */
@Module({})
export class ExpiryModule {
  static forRoot(settings: ExpirySettings): DynamicModule {
    return {
      module: ExpiryModule,
      providers: [{ provide: EXPIRY_SETTINGS, useValue: settings }, ExpiryRepository, AuditLog, ExpirySweeper],
      exports: [ExpirySweeper],
    };
  }
}
