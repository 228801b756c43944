import { Controller, UsePipes } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Command, type ReplyOf } from '@td/contracts';
import { payloadValidation } from '@td/common';
import { AdminCommandDto, CreateScimTokenDto, RevokeScimTokenDto } from '../workspace/dto/workspace-commands.dto';
import { ScimAuthenticateDto, ScimDeactivateUsersDto, ScimFindUsersDto, ScimUserDto } from './dto/scim-commands.dto';
import { ScimService } from './scim.service';

/** SCIM tokens (admin commands) and the SCIM user commands the gateway sends for an authenticated token (DEPROV-1). */
@Controller()
@UsePipes(payloadValidation)
export class ScimController {
  constructor(private readonly scim: ScimService) {}

  @MessagePattern(Command.workspaceCreateScimToken)
  createToken(@Payload() request: CreateScimTokenDto): Promise<ReplyOf<typeof Command.workspaceCreateScimToken>> {
    return this.scim.createToken(request);
  }

  @MessagePattern(Command.workspaceRevokeScimToken)
  revokeToken(@Payload() request: RevokeScimTokenDto): Promise<ReplyOf<typeof Command.workspaceRevokeScimToken>> {
    return this.scim.revokeToken(request);
  }

  @MessagePattern(Command.workspaceListScimTokens)
  listTokens(@Payload() request: AdminCommandDto): Promise<ReplyOf<typeof Command.workspaceListScimTokens>> {
    return this.scim.listTokens(request);
  }

  @MessagePattern(Command.scimAuthenticate)
  authenticate(@Payload() request: ScimAuthenticateDto): Promise<ReplyOf<typeof Command.scimAuthenticate>> {
    return this.scim.authenticate(request);
  }

  @MessagePattern(Command.scimGetUser)
  getUser(@Payload() request: ScimUserDto): Promise<ReplyOf<typeof Command.scimGetUser>> {
    return this.scim.getUser(request);
  }

  @MessagePattern(Command.scimFindUsers)
  findUsers(@Payload() request: ScimFindUsersDto): Promise<ReplyOf<typeof Command.scimFindUsers>> {
    return this.scim.findUsers(request);
  }

  @MessagePattern(Command.scimDeactivateUser)
  deactivateUser(@Payload() request: ScimUserDto): Promise<ReplyOf<typeof Command.scimDeactivateUser>> {
    return this.scim.deactivateUser(request);
  }

  @MessagePattern(Command.scimDeactivateUsers)
  deactivateUsers(@Payload() request: ScimDeactivateUsersDto): Promise<ReplyOf<typeof Command.scimDeactivateUsers>> {
    return this.scim.deactivateUsers(request);
  }
}
