import { Controller, UsePipes } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Command, type ReplyOf } from '@td/contracts';
import { DeviceConfirmationService } from './device-confirmation.service';
import { DeviceManagementService } from './device-management.service';
import { DeviceSetupService } from './device-setup.service';
import {
  ApproveDeviceDto,
  CallerCommandDto,
  DeviceActionDto,
  RenameDeviceDto,
  SetupDeviceDto,
  VerifyDeviceDto,
} from './dto/device-commands.dto';
import { payloadValidation } from '@td/common';

/** The device commands on the bus (libs/contracts subjects.ts): each maps one message to one service call. */
@Controller()
@UsePipes(payloadValidation)
export class DevicesController {
  constructor(
    private readonly setupService: DeviceSetupService,
    private readonly confirmation: DeviceConfirmationService,
    private readonly management: DeviceManagementService,
  ) {}

  @MessagePattern(Command.deviceGetSession)
  getSession(@Payload() request: CallerCommandDto): Promise<ReplyOf<typeof Command.deviceGetSession>> {
    return this.management.session(request);
  }

  @MessagePattern(Command.deviceSetup)
  setup(@Payload() request: SetupDeviceDto): Promise<ReplyOf<typeof Command.deviceSetup>> {
    return this.setupService.setup(request);
  }

  @MessagePattern(Command.deviceVerify)
  verify(@Payload() request: VerifyDeviceDto): Promise<ReplyOf<typeof Command.deviceVerify>> {
    return this.confirmation.verify(request);
  }

  @MessagePattern(Command.deviceSendEmailCode)
  sendEmailCode(@Payload() request: DeviceActionDto): Promise<ReplyOf<typeof Command.deviceSendEmailCode>> {
    return this.confirmation.sendEmailCode(request);
  }

  @MessagePattern(Command.deviceApprove)
  approve(@Payload() request: ApproveDeviceDto): Promise<ReplyOf<typeof Command.deviceApprove>> {
    return this.confirmation.approve(request);
  }

  @MessagePattern(Command.deviceDeny)
  deny(@Payload() request: DeviceActionDto): Promise<ReplyOf<typeof Command.deviceDeny>> {
    return this.confirmation.deny(request);
  }

  @MessagePattern(Command.deviceCancel)
  cancel(@Payload() request: DeviceActionDto): Promise<ReplyOf<typeof Command.deviceCancel>> {
    return this.confirmation.cancel(request);
  }

  @MessagePattern(Command.deviceGetKeyEnvelope)
  getKeyEnvelope(@Payload() request: CallerCommandDto): Promise<ReplyOf<typeof Command.deviceGetKeyEnvelope>> {
    return this.confirmation.keyEnvelope(request);
  }

  @MessagePattern(Command.deviceList)
  list(@Payload() request: CallerCommandDto): Promise<ReplyOf<typeof Command.deviceList>> {
    return this.management.list(request);
  }

  @MessagePattern(Command.deviceRename)
  rename(@Payload() request: RenameDeviceDto): Promise<ReplyOf<typeof Command.deviceRename>> {
    return this.management.rename(request);
  }

  @MessagePattern(Command.deviceDisable)
  disable(@Payload() request: DeviceActionDto): Promise<ReplyOf<typeof Command.deviceDisable>> {
    return this.management.disable(request);
  }

  @MessagePattern(Command.deviceAuthorizeEvents)
  authorizeEvents(@Payload() request: CallerCommandDto): Promise<ReplyOf<typeof Command.deviceAuthorizeEvents>> {
    return this.management.authorizeEvents(request);
  }
}
