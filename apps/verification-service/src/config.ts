import { RedisEnv } from '@td/common';
import { IsInt, IsString, Max, Min, MinLength } from 'class-validator';

/** Injection token of the service's validated configuration. */
export const CONFIG = Symbol('VERIFICATION_SERVICE_CONFIG');

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
