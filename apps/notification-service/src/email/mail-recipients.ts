import { Injectable } from '@nestjs/common';
import { BusClient, DomainError } from '@td/common';
import { Command, ErrorCode, type GetMailRecipientReply, type MailRecipient } from '@td/contracts';
import { UnrecoverableError } from 'bullmq';
import { isAddress } from './email-jobs';

/** A look-up is one indexed read: an instance that has not answered by then is gone or stuck. */
const LOOKUP_TIMEOUT_MS = 1500;

/**
 * Where a mail goes, asked of device-service (the owner of users) when the mail is sent
 * (SEC-2): one bus request per mail. A request that reached an instance killed meanwhile is
 * asked once more at once (the other instances answer it); device-service down or slow then
 * throws as is, so BullMQ retries the job with its backoff (issue 10: the bus timeout plus a
 * 5 s backoff made a mail 10 s late whenever a device-service was killed); a user that does
 * not exist is for good.
 */
@Injectable()
export class MailRecipients {
  constructor(private readonly bus: BusClient) {}

  async resolve(recipient: MailRecipient, deviceId?: string): Promise<GetMailRecipientReply> {
    let reply: GetMailRecipientReply;
    try {
      const request = { workspaceId: recipient.workspaceId, userId: recipient.userId, ...(deviceId ? { deviceId } : {}) };
      reply = await this.bus.request(Command.deviceGetMailRecipient, request, { timeoutMs: LOOKUP_TIMEOUT_MS }).catch((error: unknown) => {
        if (!(error instanceof DomainError && error.code === ErrorCode.serviceUnavailable)) throw error;
        return this.bus.request(Command.deviceGetMailRecipient, request, { timeoutMs: LOOKUP_TIMEOUT_MS });
      });
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
