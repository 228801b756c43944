import { Body, Controller, Delete, Get, HttpCode, Param, Query, type PipeTransform } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { BusClient, DomainError } from '@td/common';
import { Command, ErrorCode, type Caller } from '@td/contracts';
import { Authenticated, CurrentCaller } from '../auth/authenticated.decorator';
import { ProblemSchema } from '../common/problem.schema';
import { CarriesSecret, Post } from '../http/idempotency.interceptor';
import { NoBody, UuidParam } from '../common/request-params';
import { DeviceReplySchema } from '../devices/device.schemas';
import { CreateScimTokenBody, DeprovisionUsersBody, ListAuditQuery, ListWorkspaceDevicesQuery } from './workspace.dto';
import {
  AuditListSchema,
  BulkJobsSchema,
  JobIdSchema,
  JobSchema,
  ScimTokenListSchema,
  ScimTokenSchema,
  WorkspaceDeviceListSchema,
} from './workspace.schemas';

const MAX_USER_ID_LENGTH = 255;

/** Only the fields that were sent, so absent ones stay absent on the bus. */
function pick(body: CreateScimTokenBody): CreateScimTokenBody {
  return {
    ...(body.name === undefined ? {} : { name: body.name }),
    ...(body.expiresAt === undefined ? {} : { expiresAt: body.expiresAt }),
  };
}

/** A user id in a path is the token `sub`: 1–255 characters (API.md); anything longer is a 400, never a lookup. */
class UserIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value === 'string' && value.length >= 1 && value.length <= MAX_USER_ID_LENGTH) return value;
    const message = `userId must be 1 to ${MAX_USER_ID_LENGTH} characters`;
    throw DomainError.of(ErrorCode.validationFailed, `${message}.`, { extensions: { errors: [{ field: 'userId', message }] } });
  }
}

/**
 * The workspace's devices, users, jobs, audit log and SCIM tokens (ADMIN-1..4,
 * DEPROV-1). Every route needs a proof: device-service decides that the caller is
 * an owner or admin (403 admin_required) on a trusted web session, and hides
 * everything of other workspaces (404).
 */
@ApiTags('workspace')
@Authenticated('required')
@ApiBadRequestResponse({ description: 'validation_failed', type: ProblemSchema })
@ApiForbiddenResponse({
  description: 'admin_required, trusted_session_required, web_app_required, user_deprovisioned',
  type: ProblemSchema,
})
@Controller('v1/workspace')
export class WorkspaceController {
  constructor(private readonly bus: BusClient) {}

  @Get('devices')
  @ApiOperation({ summary: 'Every device in the workspace with its user, filtered, paged and counted per status (ADMIN-1)' })
  @ApiOkResponse({ type: WorkspaceDeviceListSchema })
  listDevices(@CurrentCaller() caller: Caller, @Query() query: ListWorkspaceDevicesQuery) {
    return this.bus.request(Command.workspaceListDevices, { caller, ...query });
  }

  @Post('devices/:id/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable any device of the workspace (ADMIN-2, KEY-5)' })
  @ApiOkResponse({ type: DeviceReplySchema })
  @ApiNotFoundResponse({ description: 'no such device in this workspace', type: ProblemSchema })
  disableDevice(@CurrentCaller() caller: Caller, @UuidParam('id') deviceId: string, @NoBody() _body: unknown) {
    return this.bus.request(Command.workspaceDisableDevice, { caller, deviceId });
  }

  @Post('users/:userId/deprovision')
  @HttpCode(202)
  @ApiOperation({ summary: 'Deprovision a user: refused at once, every device disabled by a job (ADMIN-2, DEPROV-1)' })
  @ApiAcceptedResponse({ type: JobIdSchema, description: 'The cascade job; a second request answers the same id' })
  @ApiNotFoundResponse({ description: 'no such user in this workspace', type: ProblemSchema })
  deprovisionUser(@CurrentCaller() caller: Caller, @Param('userId', new UserIdPipe()) userId: string, @NoBody() _body: unknown) {
    return this.bus.request(Command.workspaceDeprovisionUser, { caller, userId });
  }

  @Post('deprovisions')
  @HttpCode(202)
  @ApiOperation({ summary: 'Deprovision up to 1,000 users at once: each refused at once, each with its one cascade job (DEPROV-3)' })
  @ApiAcceptedResponse({ type: BulkJobsSchema, description: 'Idempotent: a repeated request answers the same job ids' })
  deprovisionUsers(@CurrentCaller() caller: Caller, @Body() body: DeprovisionUsersBody) {
    return this.bus.request(Command.workspaceDeprovisionUsers, { caller, userIds: body.userIds });
  }

  @Get('jobs/:jobId')
  @ApiOperation({ summary: "A deprovisioning job's state and progress (DEPROV-1)" })
  @ApiOkResponse({ type: JobSchema })
  @ApiNotFoundResponse({ description: 'no such job in this workspace', type: ProblemSchema })
  getJob(@CurrentCaller() caller: Caller, @UuidParam('jobId') jobId: string) {
    return this.bus.request(Command.workspaceGetJob, { caller, jobId });
  }

  @Get('audit')
  @ApiOperation({ summary: 'The audit log, newest first, filtered and paged (ADMIN-3)' })
  @ApiOkResponse({ type: AuditListSchema })
  listAudit(@CurrentCaller() caller: Caller, @Query() query: ListAuditQuery) {
    return this.bus.request(Command.workspaceListAudit, { caller, ...query });
  }

  @Post('scim-tokens')
  @CarriesSecret()
  @ApiOperation({
    summary: "Create a SCIM token for the workspace's identity provider, optionally named and expiring; shown once (DEPROV-1, SEC-8)",
  })
  @ApiCreatedResponse({ type: ScimTokenSchema })
  createScimToken(@CurrentCaller() caller: Caller, @Body() body: CreateScimTokenBody = {}) {
    return this.bus.request(Command.workspaceCreateScimToken, { caller, ...pick(body) });
  }

  @Get('scim-tokens')
  @ApiOperation({ summary: "The workspace's SCIM tokens: name, creator, created, last used, expiry — never the token (SEC-8)" })
  @ApiOkResponse({ type: ScimTokenListSchema })
  listScimTokens(@CurrentCaller() caller: Caller) {
    return this.bus.request(Command.workspaceListScimTokens, { caller });
  }

  @Delete('scim-tokens/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a SCIM token: it is refused from then on' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiNotFoundResponse({ description: 'no such token in this workspace', type: ProblemSchema })
  async revokeScimToken(@CurrentCaller() caller: Caller, @UuidParam('id') tokenId: string): Promise<void> {
    await this.bus.request(Command.workspaceRevokeScimToken, { caller, tokenId });
  }
}
