import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ROLES, type Role } from '@td/contracts';
import { IsEmail, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class DevTokenDto {
  @ApiProperty({ example: 'alice@example.com' })
  @IsEmail()
  @MaxLength(320)
  email: string;

  @ApiPropertyOptional({ description: "Defaults to the email's local part" })
  @IsOptional()
  @IsString()
  @Matches(/^\S(.*\S)?$/, { message: 'username must not start or end with spaces' })
  @MaxLength(64)
  username?: string;

  @ApiPropertyOptional({ default: 'local' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,255}$/, { message: 'workspaceId may hold only letters, digits, ".", "_", ":" and "-" (1 to 255)' })
  workspaceId?: string;

  @ApiPropertyOptional({ enum: ROLES, default: 'member' })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;
}

export class DevTokenSchema {
  @ApiProperty() accessToken: string;
  @ApiProperty({ description: 'Seconds' }) expiresIn: number;
}
