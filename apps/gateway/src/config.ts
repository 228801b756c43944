import { RedisEnv, toBoolean } from '@td/common';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

/** Injection token of the gateway's GatewayEnv. */
export const CONFIG = Symbol('GATEWAY_CONFIG');

export class GatewayEnv extends RedisEnv {
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  /** The origin clients use; DPoP `htu` is checked against it (KEY-2). Defaults to http://localhost:$PORT. */
  @IsOptional()
  @Matches(/^https?:\/\/[^/\s]+$/, { message: 'must be an origin such as https://devices.example.com (no path, no trailing slash)' })
  PUBLIC_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  AUTH_JWT_SECRET?: string;

  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  AUTH_JWKS_URL?: string;

  @IsOptional()
  @IsString()
  AUTH_ISSUER?: string;

  @IsOptional()
  @IsString()
  AUTH_AUDIENCE?: string;

  @Transform(toBoolean)
  @IsOptional()
  AUTH_DEV_LOGIN: boolean = false;

  /** Take the client IP from X-Forwarded-For (behind a reverse proxy only). */
  @Transform(toBoolean)
  @IsOptional()
  TRUST_PROXY: boolean = false;

  /** The BullMQ dashboard at /ops/queues outside local mode (always on in local mode); needs OPS_DASHBOARD_PASSWORD. */
  @Transform(toBoolean)
  @IsOptional()
  OPS_DASHBOARD: boolean = false;

  /** HTTP Basic password (user `ops`) of the dashboard outside local mode. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  OPS_DASHBOARD_PASSWORD?: string;

  /**
   * On SIGTERM, how long readiness answers 503 while the gateway still takes requests, before it stops
   * accepting (time for a load balancer to notice). SHUTDOWN_DRAIN_MS then bounds the requests in flight.
   */
  @IsInt()
  @Min(0)
  @Max(60_000)
  SHUTDOWN_DELAY_MS: number = 0;

  /** Folder of the built web app, served at `/` (WEB-1). */
  @IsOptional()
  @IsString()
  WEB_ROOT?: string;

  get publicUrl(): string {
    return this.PUBLIC_URL ?? `http://localhost:${this.PORT}`;
  }

  crossCheck(): string[] {
    if (!this.AUTH_JWT_SECRET && !this.AUTH_JWKS_URL) return ['AUTH_JWT_SECRET or AUTH_JWKS_URL: one is required (missing)'];
    if (this.AUTH_JWT_SECRET && this.AUTH_JWKS_URL) return ['AUTH_JWT_SECRET and AUTH_JWKS_URL: set only one of them'];
    if (this.OPS_DASHBOARD && !this.AUTH_DEV_LOGIN && !this.OPS_DASHBOARD_PASSWORD) return ['OPS_DASHBOARD_PASSWORD: required when OPS_DASHBOARD=true outside local mode (missing)'];
    return [];
  }
}
