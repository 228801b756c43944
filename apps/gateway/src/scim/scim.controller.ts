import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  Patch,
  Query,
  UseFilters,
  UseGuards,
  type PipeTransform,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { BusClient } from '@td/common';
import { Command } from '@td/contracts';
import { GatewayConfig } from '../config';
import { ScimExceptionFilter } from './scim-exception.filter';
import { assertDeactivatingPatch, parseUserNameFilter, PATCH_OP_SCHEMA } from './scim-request';
import { ScimTokenGuard, ScimWorkspace } from './scim-token.guard';
import { toListResponse, toScimUser, type ScimListResponse, type ScimUserResource } from './scim-user.resource';
import { SCIM_CONTENT_TYPE, ScimBadRequest } from './scim.error';

const MAX_USER_ID_LENGTH = 255;

/** A SCIM user id is the token `sub`: 1–255 characters. */
class ScimUserIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value === 'string' && value.length >= 1 && value.length <= MAX_USER_ID_LENGTH) return value;
    throw new ScimBadRequest('invalidValue', `A user id is 1 to ${MAX_USER_ID_LENGTH} characters.`);
  }
}

/**
 * SCIM 2.0 for the workspace's identity provider (DEPROV-1, RFC 7643/7644): look a
 * user up, and deprovision them (PATCH active=false or DELETE) through the same
 * cascade as an admin. Bodies and errors are `application/scim+json`.
 */
@ApiTags('scim')
@ApiBearerAuth('scim')
@UseGuards(ScimTokenGuard)
@UseFilters(ScimExceptionFilter)
@Controller('scim/v2/Users')
export class ScimUsersController {
  constructor(
    private readonly bus: BusClient,
    private readonly config: GatewayConfig,
  ) {}

  @Get()
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @ApiOperation({ summary: 'Find a user by userName (their email): filter=userName eq "…"' })
  @ApiQuery({ name: 'filter', example: 'userName eq "ann@example.com"' })
  @ApiOkResponse({ description: 'SCIM ListResponse' })
  async find(@ScimWorkspace() workspaceId: string, @Query('filter') filter: unknown): Promise<ScimListResponse> {
    const userName = parseUserNameFilter(filter);
    const { users } = await this.bus.request(Command.scimFindUsers, { workspaceId, userName });
    return toListResponse(users, this.config.http.publicUrl);
  }

  @Get(':id')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @ApiOperation({ summary: 'A user by id (the token sub)' })
  @ApiOkResponse({ description: 'SCIM User' })
  async get(@ScimWorkspace() workspaceId: string, @Param('id', new ScimUserIdPipe()) userId: string): Promise<ScimUserResource> {
    const { user } = await this.bus.request(Command.scimGetUser, { workspaceId, userId });
    return toScimUser(user, this.config.http.publicUrl);
  }

  @Patch(':id')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @ApiOperation({ summary: 'Deactivate a user (active: false): deprovisioned at once, devices disabled by a job' })
  @ApiBody({ schema: { example: { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: false }] } } })
  @ApiOkResponse({ description: 'SCIM User, active false' })
  async patch(
    @ScimWorkspace() workspaceId: string,
    @Param('id', new ScimUserIdPipe()) userId: string,
    @Body() body: Record<string, unknown>,
  ): Promise<ScimUserResource> {
    assertDeactivatingPatch(body);
    const { user } = await this.bus.request(Command.scimDeactivateUser, { workspaceId, userId });
    return toScimUser(user, this.config.http.publicUrl);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Deprovision a user, as PATCH active: false does' })
  @ApiNoContentResponse({ description: 'Deprovisioned' })
  async delete(@ScimWorkspace() workspaceId: string, @Param('id', new ScimUserIdPipe()) userId: string): Promise<void> {
    await this.bus.request(Command.scimDeactivateUser, { workspaceId, userId });
  }
}
