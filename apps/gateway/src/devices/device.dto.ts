import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CLIENT_TYPES, type ClientType } from '@td/contracts';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** Names are 1–64 characters once trimmed and NFC-normalised; device-service normalises and checks (SETUP-2). */
const MAX_NAME_LENGTH = 64;
/** APPROVE-3: the key envelope is opaque to us, at most 8 KiB. */
const MAX_KEY_ENVELOPE_LENGTH = 8192;

export class SetupDeviceDto {
  @ApiProperty({ enum: CLIENT_TYPES })
  @IsIn(CLIENT_TYPES)
  clientType: ClientType;

  @ApiPropertyOptional({ maxLength: MAX_NAME_LENGTH, description: 'Without it the service makes one, e.g. "alice Web app - macOS/Chrome"' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_NAME_LENGTH)
  name?: string;
}

export class VerifyDeviceDto {
  @ApiProperty({ example: '042917', description: 'The 6-digit code from the email' })
  @IsString()
  @Matches(/^\d{6}$/, { message: 'code must be exactly 6 digits' })
  code: string;
}

export class ApproveDeviceDto {
  @ApiPropertyOptional({ maxLength: MAX_KEY_ENVELOPE_LENGTH, description: 'Opaque; returned only to the approved device' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_KEY_ENVELOPE_LENGTH)
  keyEnvelope?: string;
}

export class RenameDeviceDto {
  @ApiProperty({ maxLength: MAX_NAME_LENGTH })
  @IsString()
  @MaxLength(MAX_NAME_LENGTH)
  name: string;
}
