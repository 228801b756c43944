import { Module, type DynamicModule } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DeviceServiceEnv } from '../config';
import { DeviceLifecycleModule } from '../devices/device-lifecycle.module';
import { ScimRepository } from '../scim/scim-tokens.repository';
import { ScimController } from '../scim/scim.controller';
import { ScimService } from '../scim/scim.service';
import { CallerResolver } from '../users/caller-resolver';
import { UsersRepository } from '../users/users.repository';
import { WorkspaceAdmins } from './workspace-admins';
import { WorkspaceAuditService } from './workspace-audit.service';
import { WorkspaceDevicesService } from './workspace-devices.service';
import { WorkspaceController } from './workspace.controller';
import { WorkspaceRepository } from './workspace.repository';

/**
 * The workspace admin commands and SCIM (issue 4: ADMIN-1..4, DEPROV-1). Caller
 * resolution is the same as for the user's own commands (users/). Needs the global
 * DeprovisionModule, OutboxModule and NatsModule.
 */
@Module({})
export class WorkspaceModule {
  static forRoot(config: DeviceServiceEnv): DynamicModule {
    return {
      module: WorkspaceModule,
      imports: [AuditModule, DeviceLifecycleModule],
      controllers: [WorkspaceController, ScimController],
      providers: [
        { provide: DeviceServiceEnv, useValue: config },
        UsersRepository,
        CallerResolver,
        WorkspaceAdmins,
        WorkspaceRepository,
        WorkspaceDevicesService,
        WorkspaceAuditService,
        ScimRepository,
        ScimService,
      ],
    };
  }
}
