import {
  CLIENT_TYPES,
  type CheckCodeRequest,
  type ClientType,
  type MissingCodesRequest,
  type CodeReason,
  type IssueCodeRequest,
  type VoidCodesRequest,
} from '@td/contracts';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';

const CODE_REASONS: readonly CodeReason[] = ['setup', 'resend', 'lost'];

/** Only described in the mail, so bounds are generous: a long name must not cost the user their code. */
export class DeviceDescriptionDto {
  @IsString()
  @Length(1, 1024)
  name: string;

  @IsIn(CLIENT_TYPES)
  clientType: ClientType;

  @IsString()
  @MaxLength(256)
  os: string;

  @IsString()
  @MaxLength(256)
  browser: string;
}

export class IssueCodeDto implements IssueCodeRequest {
  @IsIn(CODE_REASONS)
  reason: CodeReason;

  @IsString()
  @Length(1, 255)
  workspaceId: string;

  @IsUUID()
  userId: string;

  @IsUUID()
  deviceId: string;

  @ValidateNested()
  @Type(() => DeviceDescriptionDto)
  device: DeviceDescriptionDto;
}

export class CheckCodeDto implements CheckCodeRequest {
  @IsUUID()
  userId: string;

  @IsUUID()
  deviceId: string;

  @IsString()
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code: string;

  @IsOptional()
  @IsBoolean()
  keep?: boolean;
}

export class VoidCodesDto implements VoidCodesRequest {
  @IsArray()
  @ArrayMaxSize(1000)
  @IsUUID(undefined, { each: true })
  deviceIds: string[];
}

export class MissingCodesDto implements MissingCodesRequest {
  @IsArray()
  @ArrayMaxSize(1000)
  @IsUUID(undefined, { each: true })
  deviceIds: string[];
}
