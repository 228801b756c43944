import {
  type ScimAuthenticateRequest,
  type ScimDeactivateUsersRequest,
  type ScimFindUsersRequest,
  type ScimUserRequest,
} from '@td/contracts';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { IsUserId, IsUserIdList } from '../../workspace/dto/workspace-commands.dto';

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
  @IsUserId() userId: string;
}

export class ScimFindUsersDto extends ScimWorkspaceDto implements ScimFindUsersRequest {
  @IsString() @MinLength(1) @MaxLength(320) userName: string;
}

export class ScimDeactivateUsersDto extends ScimWorkspaceDto implements ScimDeactivateUsersRequest {
  @IsUserIdList() userIds: string[];
}
