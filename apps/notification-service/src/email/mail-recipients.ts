import { Injectable } from '@nestjs/common';
import { BusClient, DomainError } from '@td/common';
import { Command, ErrorCode, type GetMailRecipientReply, type MailRecipient } from '@td/contracts';
import { UnrecoverableError } from 'bullmq';
import { isAddress } from './email-jobs';

/**
 * Where a mail goes, asked of device-service (the owner of users) when the mail is sent
 * (SEC-2): one bus request per mail. Device-service down or slow throws as is, so BullMQ
 * retries the job with its backoff; a user that does not exist is for good.
 */
@Injectable()
export class MailRecipients {
  constructor(private readonly bus: BusClient) {}

  async resolve(recipient: MailRecipient, deviceId?: string): Promise<GetMailRecipientReply> {
    let reply: GetMailRecipientReply;
    try {
      reply = await this.bus.request(Command.deviceGetMailRecipient, { workspaceId: recipient.workspaceId, userId: recipient.userId, ...(deviceId ? { deviceId } : {}) });
    } catch (error) {
      if (error instanceof DomainError && (error.code === ErrorCode.notFound || error.code === ErrorCode.validationFailed)) {
        throw new UnrecoverableError('The mail names a user that device-service does not know.');
      }
      throw error;
    }
    if (!isAddress(reply.email)) throw new UnrecoverableError("The user's address is not one a mail can be sent to.");
    return reply;
  }
}
