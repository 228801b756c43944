import {
  CLIENT_TYPES,
  type ApproveDeviceRequest,
  type AuthorizeEventsRequest,
  type ClientType,
  type DeviceActionRequest,
  type GetKeyEnvelopeRequest,
  type GetSessionRequest,
  type ListDevicesRequest,
  type RenameDeviceRequest,
  type SetupDeviceRequest,
  type VerifyDeviceRequest,
} from '@td/contracts';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateNested } from 'class-validator';
import { CallerDto } from './caller.dto';

/** APPROVE-3: the envelope is opaque to us, bounded at 8 KiB. */
export const KEY_ENVELOPE_MAX_BYTES = 8 * 1024;

/** Commands of the caller alone: get-session, list, get-key-envelope, authorize-events. */
export class CallerCommandDto implements GetSessionRequest, ListDevicesRequest, GetKeyEnvelopeRequest, AuthorizeEventsRequest {
  @IsObject() @ValidateNested() @Type(() => CallerDto) caller: CallerDto;
}

export class SetupDeviceDto extends CallerCommandDto implements SetupDeviceRequest {
  @IsIn(CLIENT_TYPES) clientType: ClientType;
  /** The SETUP-2 rules (NFC, 1–64, no control characters) are applied by the service; this only bounds the input. */
  @IsOptional() @IsString() @MaxLength(1024) name?: string;
}

export class DeviceActionDto extends CallerCommandDto implements DeviceActionRequest {
  @IsUUID() deviceId: string;
}

export class VerifyDeviceDto extends DeviceActionDto implements VerifyDeviceRequest {
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' }) code: string;
}

export class ApproveDeviceDto extends DeviceActionDto implements ApproveDeviceRequest {
  @IsOptional() @IsString() @MaxLength(KEY_ENVELOPE_MAX_BYTES) keyEnvelope?: string;
}

export class RenameDeviceDto extends DeviceActionDto implements RenameDeviceRequest {
  @IsString() @MaxLength(1024) name: string;
}
