import { Module } from '@nestjs/common';
import { EmailQueue } from './email.queue';
import { EmailWorker } from './email.worker';
import { MailRecipients } from './mail-recipients';
import { SentEmails } from './sent-emails';

/** Sends the `email` queue's mails over SMTP, and queues the ones this service originates. */
@Module({
  providers: [EmailWorker, EmailQueue, SentEmails, MailRecipients],
  exports: [EmailQueue],
})
export class EmailModule {}
