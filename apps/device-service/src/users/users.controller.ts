import { Controller, UsePipes } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { DomainError, payloadValidation } from '@td/common';
import { Command, type GetMailRecipientRequest, type ReplyOf } from '@td/contracts';
import { IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { UsersRepository } from './users.repository';

export class GetMailRecipientDto implements GetMailRecipientRequest {
  @IsString() @MinLength(1) @MaxLength(255) workspaceId: string;
  @IsUUID() userId: string;
  @IsOptional() @IsUUID() deviceId?: string;
}

/** What other services may ask about a user. */
@Controller()
@UsePipes(payloadValidation)
export class UsersController {
  constructor(private readonly users: UsersRepository) {}

  /** SEC-2: the address of a mail is looked up when it is sent, never taken from the job. */
  @MessagePattern(Command.deviceGetMailRecipient)
  async mailRecipient(@Payload() request: GetMailRecipientDto): Promise<ReplyOf<typeof Command.deviceGetMailRecipient>> {
    const recipient = await this.users.findMailRecipient(request.workspaceId, request.userId, request.deviceId);
    if (!recipient) throw DomainError.notFound('The user');
    return recipient;
  }
}
