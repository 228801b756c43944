import {
  CLIENT_TYPES,
  DEVICE_STATUSES,
  type ClientType,
  type CreateScimTokenRequest,
  MAX_BULK_DEPROVISIONS,
  type DeprovisionUserRequest,
  type DeprovisionUsersRequest,
  type DeviceStatus,
  type GetJobRequest,
  type ListAuditRequest,
  type RevokeScimTokenRequest,
  type WorkspaceDeviceActionRequest,
  type WorkspaceListDevicesRequest,
} from '@td/contracts';
import { applyDecorators } from '@nestjs/common';
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
  ValidateNested,
} from 'class-validator';
import { CallerDto } from '../../devices/dto/caller.dto';
import { AuditAction } from '../../audit/audit.log';

export class AdminCommandDto implements CreateScimTokenRequest {
  @ValidateNested() @Type(() => CallerDto) caller: CallerDto;
}

/** A user's id in the API: the token `sub` (up to 255 characters, API.md). */
export const IsUserId = () => applyDecorators(IsString(), MinLength(1), MaxLength(255));

/** The users of one bulk deprovisioning (DEPROV-3): 1–MAX_BULK_DEPROVISIONS ids, each as `IsUserId`. */
export const IsUserIdList = () =>
  applyDecorators(
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(MAX_BULK_DEPROVISIONS),
    IsString({ each: true }),
    MinLength(1, { each: true }),
    MaxLength(255, { each: true }),
  );

export class ListWorkspaceDevicesDto extends AdminCommandDto implements WorkspaceListDevicesRequest {
  @IsOptional() @IsUserId() userId?: string;
  @IsOptional() @IsIn(DEVICE_STATUSES) status?: DeviceStatus;
  @IsOptional() @IsIn(CLIENT_TYPES) clientType?: ClientType;
  @IsOptional() @IsString() @MaxLength(200) q?: string;
  @IsOptional() @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @IsString() @MaxLength(512) @Matches(/^[A-Za-z0-9_-]*$/) cursor?: string;
}

export class WorkspaceDeviceActionDto extends AdminCommandDto implements WorkspaceDeviceActionRequest {
  @IsUUID() deviceId: string;
}

export class DeprovisionUserDto extends AdminCommandDto implements DeprovisionUserRequest {
  @IsUserId() userId: string;
}

export class DeprovisionUsersDto extends AdminCommandDto implements DeprovisionUsersRequest {
  @IsUserIdList() userIds: string[];
}

export class GetJobDto extends AdminCommandDto implements GetJobRequest {
  @IsUUID() jobId: string;
}

export class ListAuditDto extends AdminCommandDto implements ListAuditRequest {
  @IsOptional() @IsUserId() userId?: string;
  @IsOptional() @IsUUID() deviceId?: string;
  @IsOptional() @IsIn(Object.values(AuditAction)) action?: string;
  @IsOptional() @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @IsString() @MaxLength(512) @Matches(/^[A-Za-z0-9_-]*$/) cursor?: string;
}

/** SEC-8: a name admins recognise (no control or format characters) and an optional expiry. */
export class CreateScimTokenDto extends AdminCommandDto implements CreateScimTokenRequest {
  @IsOptional() @IsString() @MinLength(1) @MaxLength(64) @Matches(/^[^\p{Cc}\p{Cf}]*$/u) name?: string;
  @IsOptional() @IsISO8601({ strict: true, strictSeparator: true }) expiresAt?: string;
}

export class RevokeScimTokenDto extends AdminCommandDto implements RevokeScimTokenRequest {
  @IsUUID() tokenId: string;
}
