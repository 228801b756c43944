import { Module } from '@nestjs/common';
import { AuditLog } from './audit.log';

/** Owner of the audit log (ADMIN-3): modules that write audit entries import it. */
@Module({ providers: [AuditLog], exports: [AuditLog] })
export class AuditModule {}
