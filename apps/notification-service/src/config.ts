import { RedisEnv } from '@td/common';
import { IsInt, IsString, Matches, Max, Min, MinLength } from 'class-validator';

export class NotificationServiceEnv extends RedisEnv {
  @Matches(/^smtps?:\/\/\S+$/, { message: 'must be an smtp:// or smtps:// URL' })
  SMTP_URL: string = 'smtp://127.0.0.1:1025';

  @IsString()
  MAIL_FROM: string = 'Trusted Devices <no-reply@localhost>';

  /** Opens the sealed codes in mail jobs (the same secret as verification-service's). */
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  CODE_HMAC_SECRET: string;

  /** Where the web app lives, for links in emails. */
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  PUBLIC_URL: string = 'http://localhost:3000';

  /**
   * How long an email job stays locked by the worker sending it without a renewal (renewed every half of it
   * while the send runs), and how often stalled jobs are looked for: a worker that died holding a job
   * loses it to another within about twice this.
   */
  @IsInt()
  @Min(1000)
  @Max(60_000)
  EMAIL_LOCK_MS: number = 5000;

  /**
   * How long a device event may be in hand without a sign of life before JetStream gives it to another
   * instance (the handler extends it every half of it while it runs). Device events are handled one at a
   * time across instances, so this bounds how long an instance that died holding one delays them all.
   */
  @IsInt()
  @Min(1000)
  @Max(60_000)
  EVENTS_ACK_WAIT_MS: number = 5000;
}
