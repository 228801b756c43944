import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AUDIT_ACTIONS, DEVICE_STATUSES } from '@td/contracts';
import { DeviceSchema } from '../devices/device.schemas';

/** Response shapes of the admin API for the OpenAPI document (API.md); the replies come from device-service. */
class WorkspaceUserSchema {
  @ApiProperty({ description: "The user's id (the token sub)" }) id: string;
  @ApiProperty() email: string;
  @ApiProperty() username: string;
}

export class WorkspaceDeviceSchema extends DeviceSchema {
  @ApiProperty() user: WorkspaceUserSchema;
}

const countsSchema = {
  type: 'object' as const,
  additionalProperties: false,
  properties: Object.fromEntries(DEVICE_STATUSES.map((status) => [status, { type: 'integer' as const }])),
  description: 'Devices per status, over the same filters but status',
};

export class WorkspaceDeviceListSchema {
  @ApiProperty({ type: [WorkspaceDeviceSchema] }) devices: WorkspaceDeviceSchema[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as cursor for the next page; null on the last' }) nextCursor:
    string | null;
  @ApiProperty(countsSchema) counts: Record<string, number>;
}

export class JobIdSchema {
  @ApiProperty({ format: 'uuid' }) jobId: string;
}

class UserJobSchema {
  @ApiProperty() userId: string;
  @ApiProperty({ format: 'uuid' }) jobId: string;
}

class BulkFailureSchema {
  @ApiProperty() userId: string;
  @ApiProperty({ enum: ['not_found'] }) code: string;
  @ApiProperty() detail: string;
}

export class BulkJobsSchema {
  @ApiProperty({
    type: [UserJobSchema],
    description: 'One per distinct user found, in request order: the same one job per user as a single deprovisioning',
  })
  jobs: UserJobSchema[];
  @ApiProperty({ type: [BulkFailureSchema], description: 'Users that could not be deprovisioned (each fails on its own)' })
  failures: BulkFailureSchema[];
}

class JobProgressSchema {
  @ApiProperty() disabled: number;
  @ApiProperty() total: number;
}

export class JobSchema {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['waiting', 'active', 'completed', 'failed'] }) state: string;
  @ApiProperty() progress: JobProgressSchema;
}

class AuditPartySchema {
  @ApiProperty({ nullable: true, type: String }) userId: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) deviceId: string | null;
}

class AuditTargetSchema extends AuditPartySchema {
  @ApiPropertyOptional({ format: 'uuid', description: 'scim_token.* events: the SCIM token (SEC-8)' }) scimTokenId?: string;
}

class AuditEventSchema {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ enum: AUDIT_ACTIONS }) action: string;
  @ApiProperty({ description: 'null ids: the system or a SCIM client' }) actor: AuditPartySchema;
  @ApiProperty() target: AuditTargetSchema;
  @ApiProperty({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ nullable: true, type: String }) userAgent: string | null;
}

export class AuditListSchema {
  @ApiProperty({ type: [AuditEventSchema] }) events: AuditEventSchema[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class ScimTokenSchema {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'Shown once; only its hash is stored' }) token: string;
}

class ScimTokenCreatorSchema {
  @ApiProperty({ nullable: true, type: String, description: "The creator's id (token sub)" }) userId: string | null;
}

class ScimTokenListItemSchema {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty() createdBy: ScimTokenCreatorSchema;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastUsedAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) expiresAt: string | null;
}

export class ScimTokenListSchema {
  @ApiProperty({ type: [ScimTokenListItemSchema], description: 'Tokens not revoked, newest first; never the token itself (SEC-8)' })
  tokens: ScimTokenListItemSchema[];
}
