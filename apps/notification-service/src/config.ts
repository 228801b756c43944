import { configLoader, RedisConfig, RedisEnv } from '@td/common';
import { IsInt, IsString, Matches, Max, Min, MinLength } from 'class-validator';

/** The environment variables notification-service reads, and their rules (OPS-4). */
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

/** notification-service's settings, by section; injected by this class (AppConfigModule). */
export class NotificationServiceConfig extends RedisConfig {
  readonly email: {
    readonly smtpUrl: string;
    readonly from: string;
    /** Opens the sealed codes in mail jobs. */
    readonly codeHmacSecret: string;
    /** Where the web app lives, for links in emails. */
    readonly webAppUrl: string;
    /** A sending worker's job lock, and how often stalled jobs are looked for. */
    readonly lockMs: number;
  };

  readonly events: {
    /** How long a device event may be in hand without a sign of life before JetStream redelivers it. */
    readonly ackWaitMs: number;
  };

  constructor(env: NotificationServiceEnv) {
    super(env);
    this.email = {
      smtpUrl: env.SMTP_URL,
      from: env.MAIL_FROM,
      codeHmacSecret: env.CODE_HMAC_SECRET,
      webAppUrl: env.PUBLIC_URL,
      lockMs: env.EMAIL_LOCK_MS,
    };
    this.events = { ackWaitMs: env.EVENTS_ACK_WAIT_MS };
  }
}

/** Reads and validates the environment once, at start; tests pass their own env. */
export const loadNotificationServiceConfig = configLoader(NotificationServiceEnv, NotificationServiceConfig);
