import { Module } from '@nestjs/common';
import { AuditLog } from './audit.log';

/** Owner of `audit_events` (ADMIN-3): modules that write or read audit entries import it. */
@Module({ providers: [AuditLog], exports: [AuditLog] })
export class AuditModule {}
