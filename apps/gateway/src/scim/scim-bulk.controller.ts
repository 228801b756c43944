import { Body, Controller, Get, Header, HttpCode, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiPayloadTooLargeResponse, ApiTags } from '@nestjs/swagger';
import { BusClient } from '@td/common';
import { Command, type ScimDeactivateUsersReply } from '@td/contracts';
import { GatewayConfig } from '../config';
import { ScimExceptionFilter } from './scim-exception.filter';
import {
  BULK_MAX_OPERATIONS,
  BULK_MAX_PAYLOAD_BYTES,
  BULK_REQUEST_SCHEMA,
  BULK_RESPONSE_SCHEMA,
  parseBulkRequest,
  type BulkOperation,
  type BulkOperationResponse,
} from './scim-bulk';
import { PATCH_OP_SCHEMA } from './scim-request';
import { ScimTokenGuard, ScimWorkspace } from './scim-token.guard';
import { toScimUser } from './scim-user.resource';
import { SCIM_CONTENT_TYPE, scimError } from './scim.error';
import { Post } from '../http/idempotency.interceptor';

const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';

type Result = ScimDeactivateUsersReply['results'][number];

/**
 * SCIM 2.0 Bulk (RFC 7644 §3.7) for identity providers offboarding many people at once
 * (DEPROV-3), and the ServiceProviderConfig that advertises its limits. Each operation
 * deprovisions one user, exactly as a single PATCH or DELETE would, and succeeds or
 * fails on its own.
 */
@ApiTags('scim')
@ApiBearerAuth('scim')
@UseGuards(ScimTokenGuard)
@UseFilters(ScimExceptionFilter)
@Controller('scim/v2')
export class ScimBulkController {
  constructor(
    private readonly bus: BusClient,
    private readonly config: GatewayConfig,
  ) {}

  @Get('ServiceProviderConfig')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @ApiOperation({ summary: 'What this SCIM service supports (RFC 7643 §5), with the Bulk limits' })
  serviceProviderConfig() {
    return {
      schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
      patch: { supported: true },
      bulk: { supported: true, maxOperations: BULK_MAX_OPERATIONS, maxPayloadSize: BULK_MAX_PAYLOAD_BYTES },
      filter: { supported: true, maxResults: 100 },
      changePassword: { supported: false },
      sort: { supported: false },
      etag: { supported: false },
      authenticationSchemes: [
        {
          type: 'oauthbearertoken',
          name: 'SCIM token',
          description: "A bearer token an admin created for the workspace's identity provider",
          primary: true,
        },
      ],
      meta: { resourceType: 'ServiceProviderConfig', location: `${this.config.http.publicUrl}/scim/v2/ServiceProviderConfig` },
    };
  }

  @Post('Bulk')
  @HttpCode(200)
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  @ApiOperation({ summary: 'Deprovision many users: PATCH /Users/{id} (active false) and DELETE /Users/{id} operations (DEPROV-3)' })
  @ApiBody({
    schema: {
      example: {
        schemas: [BULK_REQUEST_SCHEMA],
        Operations: [
          {
            method: 'PATCH',
            path: '/Users/ann',
            data: { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: false }] },
          },
          { method: 'DELETE', path: '/Users/bob' },
        ],
      },
    },
  })
  @ApiOkResponse({ description: 'BulkResponse: a status per operation' })
  @ApiPayloadTooLargeResponse({ description: 'beyond maxOperations or maxPayloadSize' })
  async bulk(@ScimWorkspace() workspaceId: string, @Body() body: unknown) {
    const { operations, failOnErrors } = parseBulkRequest(body);
    const responses: BulkOperationResponse[] = [];
    if (failOnErrors === undefined) {
      const results = await this.deactivate(workspaceId, operations);
      for (const operation of operations) responses.push(this.respond(operation, results));
    } else {
      // Stop at the failOnErrors-th error: operations after it must not run, so one at a time.
      let errors = 0;
      for (const operation of operations) {
        const response = this.respond(operation, await this.deactivate(workspaceId, [operation]));
        responses.push(response);
        if (Number(response.status) >= 400 && ++errors >= failOnErrors) break;
      }
    }
    return { schemas: [BULK_RESPONSE_SCHEMA], Operations: responses };
  }

  private async deactivate(workspaceId: string, operations: BulkOperation[]): Promise<Map<string, Result>> {
    const userIds = [...new Set(operations.filter((operation) => !operation.error).map((operation) => operation.userId!))];
    if (userIds.length === 0) return new Map();
    const { results } = await this.bus.request(Command.scimDeactivateUsers, { workspaceId, userIds });
    return new Map(results.map((result) => [result.userId, result]));
  }

  private respond(operation: BulkOperation, results: Map<string, Result>): BulkOperationResponse {
    const head = { method: operation.method, ...(operation.bulkId !== undefined ? { bulkId: operation.bulkId } : {}) };
    const location =
      operation.userId !== undefined
        ? { location: `${this.config.http.publicUrl}/scim/v2/Users/${encodeURIComponent(operation.userId)}` }
        : {};
    if (operation.error) return { ...head, ...location, status: operation.error.status, response: operation.error };
    const result = results.get(operation.userId!);
    if (!result) return { ...head, ...location, status: '500', response: scimError(500, 'The operation was not carried out.') };
    if ('error' in result) return { ...head, ...location, status: '404', response: scimError(404, result.error.detail) };
    if (operation.method === 'DELETE') return { ...head, ...location, status: '204' };
    return { ...head, ...location, status: '200', response: toScimUser(result.user, this.config.http.publicUrl) };
  }
}
