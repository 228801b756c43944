import { MAX_BULK_DEPROVISIONS, type ScimAuthenticateRequest, type ScimDeactivateUsersRequest, type ScimFindUsersRequest, type ScimUserRequest } from '@td/contracts';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

export class ScimAuthenticateDto implements ScimAuthenticateRequest {
  @IsString() @MinLength(1) @MaxLength(512) token: string;
  @IsOptional() @IsString() @MaxLength(64) ip: string | null = null;
  @IsOptional() @IsString() @MaxLength(8192) userAgent: string | null = null;
}

/** The gateway sets `workspaceId` from the authenticated SCIM token, never from the client. */
export class ScimWorkspaceDto {
  @IsString() @MinLength(1) @MaxLength(255) workspaceId: string;
}

export class ScimUserDto extends ScimWorkspaceDto implements ScimUserRequest {
  @IsString() @MinLength(1) @MaxLength(255) userId: string;
}

export class ScimFindUsersDto extends ScimWorkspaceDto implements ScimFindUsersRequest {
  @IsString() @MinLength(1) @MaxLength(320) userName: string;
}

export class ScimDeactivateUsersDto extends ScimWorkspaceDto implements ScimDeactivateUsersRequest {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BULK_DEPROVISIONS)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(255, { each: true })
  userIds: string[];
}
