import type { ScimAuthenticateRequest, ScimFindUsersRequest, ScimUserRequest } from '@td/contracts';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class ScimAuthenticateDto implements ScimAuthenticateRequest {
  @IsString() @MinLength(1) @MaxLength(512) token: string;
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
