import { Body, Controller, Delete, Get, HttpCode, Patch, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiGoneResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { BusClient } from '@td/common';
import { Command, type Caller } from '@td/contracts';
import type { Response } from 'express';
import { Authenticated, CurrentCaller } from '../auth/authenticated.decorator';
import { ProblemSchema } from '../common/problem.schema';
import { NoBody, UuidParam } from '../common/request-params';
import { ApproveDeviceDto, RenameDeviceDto, SetupDeviceDto, VerifyDeviceDto } from './device.dto';
import {
  ApprovalVerificationSchema,
  DeviceListSchema,
  DeviceReplySchema,
  EmailCodeReplySchema,
  EmailCodeVerificationSchema,
  KeyEnvelopeSchema,
  SetupReplySchema,
} from './device.schemas';
import { Post } from '../http/idempotency.interceptor';

/**
 * The user's own devices (SETUP, CODE, APPROVE, MANAGE). Each route sends one
 * command; device-service owns every rule and state change.
 */
@ApiTags('devices')
@ApiExtraModels(EmailCodeVerificationSchema, ApprovalVerificationSchema)
@ApiBadRequestResponse({ description: 'validation_failed', type: ProblemSchema })
@ApiForbiddenResponse({
  description: 'user_deprovisioned, trusted_session_required, approver_not_allowed, web_app_required',
  type: ProblemSchema,
})
@Controller('v1/devices')
export class DevicesController {
  constructor(private readonly bus: BusClient) {}

  @Post()
  @Authenticated('required')
  @ApiOperation({ summary: 'Set up this client app as a device, proving possession of its new key (SETUP-1..6)' })
  @ApiCreatedResponse({ type: SetupReplySchema })
  @ApiOkResponse({
    description: 'A retry (same user, key and body) while the device it created is still pending: the same body again',
    type: SetupReplySchema,
  })
  @ApiConflictResponse({ description: 'device_name_taken, device_limit_reached, device_key_registered', type: ProblemSchema })
  async setup(@CurrentCaller() caller: Caller, @Body() body: SetupDeviceDto, @Res({ passthrough: true }) response: Response) {
    const { retried, ...reply } = await this.bus.request(Command.deviceSetup, { caller, clientType: body.clientType, name: body.name });
    if (retried) response.status(200);
    return reply;
  }

  @Get()
  @Authenticated('optional')
  @ApiOperation({ summary: "List the user's devices but expired ones, newest first; a proof marks the current one (MANAGE-1)" })
  @ApiOkResponse({ type: DeviceListSchema })
  list(@CurrentCaller() caller: Caller) {
    return this.bus.request(Command.deviceList, { caller });
  }

  @Get('current/key-envelope')
  @Authenticated('required')
  @ApiOperation({ summary: 'The key envelope the approver left for this device (APPROVE-3)' })
  @ApiOkResponse({ type: KeyEnvelopeSchema })
  @ApiNotFoundResponse({ description: 'none was left', type: ProblemSchema })
  keyEnvelope(@CurrentCaller() caller: Caller) {
    return this.bus.request(Command.deviceGetKeyEnvelope, { caller });
  }

  @Post(':id/verify')
  @HttpCode(200)
  @Authenticated('required')
  @ApiOperation({ summary: 'Confirm a pending device with the code from the email, signed by that device (CODE-3)' })
  @ApiOkResponse({ type: DeviceReplySchema })
  @ApiGoneResponse({ description: 'code_expired', type: ProblemSchema })
  @ApiTooManyRequestsResponse({ description: 'too_many_attempts (with Retry-After)', type: ProblemSchema })
  verify(@CurrentCaller() caller: Caller, @UuidParam('id') deviceId: string, @Body() body: VerifyDeviceDto) {
    return this.bus.request(Command.deviceVerify, { caller, deviceId, code: body.code });
  }

  @Post(':id/email-code')
  @HttpCode(202)
  @Authenticated('required')
  @ApiOperation({ summary: 'Send a fresh code; also the way out of waiting for approval (CODE-4)' })
  @ApiAcceptedResponse({ type: EmailCodeReplySchema })
  @ApiTooManyRequestsResponse({ description: 'rate_limited (with Retry-After)', type: ProblemSchema })
  sendEmailCode(@CurrentCaller() caller: Caller, @UuidParam('id') deviceId: string, @NoBody() _body: unknown) {
    return this.bus.request(Command.deviceSendEmailCode, { caller, deviceId });
  }

  @Post(':id/approve')
  @HttpCode(200)
  @Authenticated('required')
  @ApiOperation({ summary: 'Approve a pending device from a trusted web or mobile session (APPROVE-2, APPROVE-3)' })
  @ApiOkResponse({ type: DeviceReplySchema })
  @ApiConflictResponse({ description: 'invalid_device_state', type: ProblemSchema })
  approve(@CurrentCaller() caller: Caller, @UuidParam('id') deviceId: string, @Body() body: ApproveDeviceDto) {
    return this.bus.request(Command.deviceApprove, { caller, deviceId, keyEnvelope: body.keyEnvelope });
  }

  @Post(':id/deny')
  @HttpCode(200)
  @Authenticated('required')
  @ApiOperation({ summary: 'Deny a pending device from a trusted web or mobile session (APPROVE-2)' })
  @ApiOkResponse({ type: DeviceReplySchema })
  @ApiConflictResponse({ description: 'invalid_device_state', type: ProblemSchema })
  deny(@CurrentCaller() caller: Caller, @UuidParam('id') deviceId: string, @NoBody() _body: unknown) {
    return this.bus.request(Command.deviceDeny, { caller, deviceId });
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated('required')
  @ApiOperation({ summary: 'Cancel a pending request, signed by the device that made it (APPROVE-6)' })
  @ApiNoContentResponse({ description: 'The request is cancelled (status expired)' })
  @ApiConflictResponse({ description: 'invalid_device_state', type: ProblemSchema })
  async cancel(@CurrentCaller() caller: Caller, @UuidParam('id') deviceId: string, @NoBody() _body: unknown): Promise<void> {
    await this.bus.request(Command.deviceCancel, { caller, deviceId });
  }

  @Patch(':id')
  @Authenticated('required')
  @ApiOperation({ summary: 'Rename a device, from a trusted web session (MANAGE-3)' })
  @ApiOkResponse({ type: DeviceReplySchema })
  @ApiConflictResponse({ description: 'device_name_taken', type: ProblemSchema })
  rename(@CurrentCaller() caller: Caller, @UuidParam('id') deviceId: string, @Body() body: RenameDeviceDto) {
    return this.bus.request(Command.deviceRename, { caller, deviceId, name: body.name });
  }

  @Post(':id/disable')
  @HttpCode(200)
  @Authenticated('required')
  @ApiOperation({ summary: 'Disable a device for good, from a trusted web session (MANAGE-3)' })
  @ApiOkResponse({ type: DeviceReplySchema })
  disable(@CurrentCaller() caller: Caller, @UuidParam('id') deviceId: string, @NoBody() _body: unknown) {
    return this.bus.request(Command.deviceDisable, { caller, deviceId });
  }
}
