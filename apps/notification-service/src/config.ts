import { RedisEnv } from '@td/common';
import { IsString, Matches, MinLength } from 'class-validator';

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
}
