import { Module, type DynamicModule } from '@nestjs/common';
import type { NotificationServiceEnv } from '../config';
import { EmailQueue } from './email.queue';
import { EMAIL_SETTINGS, EmailWorker } from './email.worker';
import { MailRecipients } from './mail-recipients';
import { SentEmails } from './sent-emails';

/** Sends the `email` queue's mails over SMTP, and queues the ones this service originates. */
@Module({})
export class EmailModule {
  static forRoot(config: NotificationServiceEnv): DynamicModule {
    return {
      module: EmailModule,
      providers: [{ provide: EMAIL_SETTINGS, useValue: config }, EmailWorker, EmailQueue, SentEmails, MailRecipients],
      exports: [EmailQueue],
    };
  }
}
