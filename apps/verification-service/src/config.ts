import { configLoader, RedisConfig, RedisEnv } from '@td/common';
import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';

/** The environment variables verification-service reads, and their rules (OPS-4). */
export class VerificationServiceEnv extends RedisEnv {
  /** Key of the keyed hash of codes (CODE-1) and of sealing codes in mail jobs. */
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  CODE_HMAC_SECRET: string;

  @IsInt()
  @Min(30)
  @Max(3600)
  CODE_TTL_SECONDS: number = 300;

  @IsInt()
  @Min(1)
  @Max(20)
  CODE_MAX_ATTEMPTS: number = 5;

  @IsInt()
  @Min(1)
  @Max(1000)
  CODE_MAX_FAILURES_PER_HOUR: number = 15;
}

/** verification-service's settings, by section; injected by this class (AppConfigModule). */
export class VerificationServiceConfig extends RedisConfig {
  readonly codes: {
    /** Key of the keyed hash of codes (CODE-1) and of sealing codes in mail jobs. */
    readonly hmacSecret: string;
    readonly ttlSeconds: number;
    readonly maxAttempts: number;
    readonly maxFailuresPerHour: number;
  };

  constructor(env: VerificationServiceEnv) {
    super(env);
    this.codes = {
      hmacSecret: env.CODE_HMAC_SECRET,
      ttlSeconds: env.CODE_TTL_SECONDS,
      maxAttempts: env.CODE_MAX_ATTEMPTS,
      maxFailuresPerHour: env.CODE_MAX_FAILURES_PER_HOUR,
    };
  }
}

/** Reads and validates the environment once, at start; tests pass their own env. */
export const loadVerificationServiceConfig = configLoader(VerificationServiceEnv, VerificationServiceConfig);
