import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DevicesModule } from '../devices/devices.module';
import { UsersModule } from '../users/users.module';
import { WorkspaceAdmins } from './workspace-admins';
import { WorkspaceAuditService } from './workspace-audit.service';
import { WorkspaceDevicesService } from './workspace-devices.service';
import { WorkspaceController } from './workspace.controller';

/**
 * The workspace admin commands (issue 4: ADMIN-1..4). Caller resolution is the same as for
 * the user's own commands (UsersModule); the rows are the owners' (DevicesModule,
 * UsersModule, AuditModule). Needs the global DeprovisionModule, OutboxModule and NatsModule.
 */
@Module({
  imports: [AuditModule, DevicesModule, UsersModule],
  controllers: [WorkspaceController],
  providers: [WorkspaceAdmins, WorkspaceDevicesService, WorkspaceAuditService],
  exports: [WorkspaceAdmins],
})
export class WorkspaceModule {}
