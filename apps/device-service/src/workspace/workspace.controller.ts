import { Controller, UsePipes } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Command, type ReplyOf } from '@td/contracts';
import { payloadValidation } from '@td/common';
import {
  DeprovisionUserDto,
  DeprovisionUsersDto,
  GetJobDto,
  ListAuditDto,
  ListWorkspaceDevicesDto,
  WorkspaceDeviceActionDto,
} from './dto/workspace-commands.dto';
import { WorkspaceAuditService } from './workspace-audit.service';
import { WorkspaceDevicesService } from './workspace-devices.service';

/** The workspace admin commands on the bus (ADMIN-1..4, DEPROV-1): one message, one service call. */
@Controller()
@UsePipes(payloadValidation)
export class WorkspaceController {
  constructor(
    private readonly devices: WorkspaceDevicesService,
    private readonly audit: WorkspaceAuditService,
  ) {}

  @MessagePattern(Command.workspaceListDevices)
  listDevices(@Payload() request: ListWorkspaceDevicesDto): Promise<ReplyOf<typeof Command.workspaceListDevices>> {
    return this.devices.list(request);
  }

  @MessagePattern(Command.workspaceDisableDevice)
  disableDevice(@Payload() request: WorkspaceDeviceActionDto): Promise<ReplyOf<typeof Command.workspaceDisableDevice>> {
    return this.devices.disable(request);
  }

  @MessagePattern(Command.workspaceDeprovisionUser)
  deprovisionUser(@Payload() request: DeprovisionUserDto): Promise<ReplyOf<typeof Command.workspaceDeprovisionUser>> {
    return this.devices.deprovision(request);
  }

  @MessagePattern(Command.workspaceDeprovisionUsers)
  deprovisionUsers(@Payload() request: DeprovisionUsersDto): Promise<ReplyOf<typeof Command.workspaceDeprovisionUsers>> {
    return this.devices.deprovisionMany(request);
  }

  @MessagePattern(Command.workspaceGetJob)
  getJob(@Payload() request: GetJobDto): Promise<ReplyOf<typeof Command.workspaceGetJob>> {
    return this.devices.job(request);
  }

  @MessagePattern(Command.workspaceListAudit)
  listAudit(@Payload() request: ListAuditDto): Promise<ReplyOf<typeof Command.workspaceListAudit>> {
    return this.audit.list(request);
  }
}
