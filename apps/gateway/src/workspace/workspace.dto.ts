import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  AUDIT_ACTIONS,
  CLIENT_TYPES,
  DEVICE_STATUSES,
  MAX_BULK_DEPROVISIONS,
  type AuditActionName,
  type ClientType,
  type DeviceStatus,
} from '@td/contracts';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

/** A user's id is the token `sub`: a string of up to 255 characters (API.md). */
const MAX_USER_ID_LENGTH = 255;
const MAX_SEARCH_LENGTH = 200;
const MAX_CURSOR_LENGTH = 512;

/** Paging shared by the device list and the audit log: cursors are opaque base64url from a previous reply. */
class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ maxLength: MAX_CURSOR_LENGTH, description: "A previous reply's nextCursor" })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CURSOR_LENGTH)
  @Matches(/^[A-Za-z0-9_-]*$/, { message: 'cursor must be a cursor from a previous reply' })
  cursor?: string;

  @ApiPropertyOptional({ maxLength: MAX_USER_ID_LENGTH, description: "A user's id (the token sub)" })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_USER_ID_LENGTH)
  userId?: string;
}

export class ListWorkspaceDevicesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: DEVICE_STATUSES })
  @IsOptional()
  @IsIn(DEVICE_STATUSES)
  status?: DeviceStatus;

  @ApiPropertyOptional({ enum: CLIENT_TYPES })
  @IsOptional()
  @IsIn(CLIENT_TYPES)
  clientType?: ClientType;

  @ApiPropertyOptional({ maxLength: MAX_SEARCH_LENGTH, description: "Case-insensitive search over the device name and the user's email" })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_SEARCH_LENGTH)
  q?: string;
}

export class ListAuditQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Events where this device is the actor or the target' })
  @IsOptional()
  @IsUUID()
  deviceId?: string;

  @ApiPropertyOptional({ enum: AUDIT_ACTIONS })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS)
  action?: AuditActionName;
}

/** DEPROV-3: `POST /v1/workspace/deprovisions`. */
export class DeprovisionUsersBody {
  @ApiProperty({ type: [String], minItems: 1, maxItems: MAX_BULK_DEPROVISIONS, description: "Users' ids (token subs), 1 to 1,000" })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BULK_DEPROVISIONS)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(MAX_USER_ID_LENGTH, { each: true })
  userIds: string[];
}

/** SEC-8: `POST /v1/workspace/scim-tokens` (the body is optional). */
export class CreateScimTokenBody {
  @ApiPropertyOptional({ minLength: 1, maxLength: 64, description: 'How admins tell tokens apart (default "SCIM token")' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @Matches(/^[^\p{Cc}\p{Cf}]*$/u, { message: 'name must not contain control characters' })
  name?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'When the token stops working (a future time); never, when absent' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'expiresAt must be an ISO-8601 date-time' })
  expiresAt?: string;
}
