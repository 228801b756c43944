import { configLoader, RedisConfig, RedisEnv, toBoolean } from '@td/common';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { isLoopbackHost, isLoopbackUrl, parseTrustProxy } from './common/network';

/** The environment variables the gateway reads, and their rules (OPS-4). */
export class GatewayEnv extends RedisEnv {
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  /** Address the HTTP server binds. Dev login needs a loopback one (SEC-1); `npm start` sets 127.0.0.1. */
  @IsString()
  HOST: string = '0.0.0.0';

  /** `production` forbids dev login (SEC-1). */
  @IsOptional()
  @IsString()
  NODE_ENV?: string;

  /** The origin clients use; DPoP `htu` is checked against it (KEY-2). Defaults to http://localhost:$PORT. */
  @IsOptional()
  @Matches(/^https?:\/\/[^/\s?#@]+$/, {
    message: 'must be an origin such as https://devices.example.com (no path, query, fragment, credentials or trailing slash)',
  })
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

  /** Proxies whose X-Forwarded-For is believed (SEC-3): a hop count or a list of CIDRs; unset, none. Read it as `http.trustProxy`. */
  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

  /** The BullMQ dashboard at /ops/queues outside local mode (always on in local mode); needs OPS_DASHBOARD_PASSWORD. */
  @Transform(toBoolean)
  @IsOptional()
  OPS_DASHBOARD: boolean = false;

  /** The dashboard may retry, remove, pause or add jobs only when this is true (SEC-2); read-only otherwise. */
  @Transform(toBoolean)
  @IsOptional()
  OPS_DASHBOARD_WRITE: boolean = false;

  /** HTTP Basic password (user `ops`) of the dashboard; required unless the gateway binds loopback only (SEC-2). */
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

  /** SEC-7: how often each event stream's device is re-checked (at most 60 s). */
  @IsInt()
  @Min(100)
  @Max(60_000)
  EVENTS_RECHECK_INTERVAL_MS: number = 30_000;

  /** SEC-7: open event streams one device may hold on one gateway. */
  @IsInt()
  @Min(1)
  @Max(100)
  EVENTS_MAX_STREAMS_PER_DEVICE: number = 4;

  /** SEC-7: open event streams one gateway serves in all. */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  EVENTS_MAX_STREAMS: number = 10_000;

  /**
   * SEC-9: requests to /v1 and /scim one client address may make per minute, counted across every
   * gateway (Redis). Users behind one NAT or proxy share it, so it is well above one user's limit.
   */
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  RATE_LIMIT_IP_PER_MINUTE: number = 3000;

  /**
   * SEC-9: requests one user (verified access token: workspace + subject) may make to /v1 per
   * minute, and one SCIM token to /scim, counted across every gateway (Redis).
   */
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  RATE_LIMIT_USER_PER_MINUTE: number = 600;

  /** Folder of the built web app, served at `/` (WEB-1). */
  @IsOptional()
  @IsString()
  WEB_ROOT?: string;

  crossCheck(): string[] {
    if (!this.AUTH_JWT_SECRET && !this.AUTH_JWKS_URL) return ['AUTH_JWT_SECRET or AUTH_JWKS_URL: one is required (missing)'];
    if (this.AUTH_JWT_SECRET && this.AUTH_JWKS_URL) return ['AUTH_JWT_SECRET and AUTH_JWKS_URL: set only one of them'];
    const problems: string[] = [];
    if (this.AUTH_JWKS_URL) {
      // SEC-4: without both, any token the IdP signs for any app or tenant would do.
      if (!this.AUTH_ISSUER) problems.push('AUTH_ISSUER: required with AUTH_JWKS_URL (missing)');
      if (!this.AUTH_AUDIENCE) problems.push('AUTH_AUDIENCE: required with AUTH_JWKS_URL (missing)');
      if (!this.AUTH_JWKS_URL.startsWith('https://') && !isLoopbackUrl(this.AUTH_JWKS_URL)) {
        problems.push('AUTH_JWKS_URL: must be an https:// URL (http only on loopback)');
      }
    }
    if (this.AUTH_DEV_LOGIN) {
      // SEC-1: dev login hands out any identity; it exists only in local mode.
      if (this.NODE_ENV === 'production')
        problems.push('AUTH_DEV_LOGIN: refused with NODE_ENV=production (dev login is for local mode only)');
      if (!isLoopbackHost(this.HOST))
        problems.push(`AUTH_DEV_LOGIN: refused unless HOST is a loopback address such as 127.0.0.1 (HOST is ${JSON.stringify(this.HOST)})`);
      if (!this.AUTH_JWT_SECRET)
        problems.push("AUTH_DEV_LOGIN: needs AUTH_JWT_SECRET (dev login cannot sign with an identity provider's keys)");
    }
    if (this.TRUST_PROXY !== undefined && parseTrustProxy(this.TRUST_PROXY) === null) {
      problems.push(
        `TRUST_PROXY: must be a hop count (such as 1) or a comma-separated list of proxy addresses or CIDRs (got ${JSON.stringify(this.TRUST_PROXY)})`,
      );
    }
    const dashboard = this.OPS_DASHBOARD || this.AUTH_DEV_LOGIN;
    if (dashboard && !isLoopbackHost(this.HOST) && !this.OPS_DASHBOARD_PASSWORD) {
      problems.push('OPS_DASHBOARD_PASSWORD: required when the dashboard is on and HOST is not loopback (missing)');
    }
    return problems;
  }
}

/** The gateway's settings, by section; injected by this class (AppConfigModule). */
export class GatewayConfig extends RedisConfig {
  readonly http: {
    readonly port: number;
    readonly host: string;
    /** The origin clients use (KEY-2 `htu`); http://localhost:$PORT unless PUBLIC_URL says otherwise. */
    readonly publicUrl: string;
    /** Whether the HTTP server listens on this machine only. */
    readonly loopbackOnly: boolean;
    /** TRUST_PROXY as Express' `trust proxy` setting (SEC-3). */
    readonly trustProxy: number | string[] | false;
    /** On SIGTERM, how long readiness answers 503 before the gateway stops accepting. */
    readonly shutdownDelayMs: number;
  };

  /** Exactly one of `jwtSecret` and `jwksUrl` is set (the env's crossCheck). */
  readonly auth: {
    readonly jwtSecret?: string;
    readonly jwksUrl?: string;
    readonly issuer?: string;
    readonly audience?: string;
    /** AUTH-4 dev login: local mode only (SEC-1). */
    readonly devLogin: boolean;
  };

  /** The BullMQ dashboard (SEC-2). */
  readonly ops: {
    readonly dashboard: boolean;
    readonly dashboardWrite: boolean;
    readonly dashboardPassword?: string;
  };

  /** SEC-7: the event streams' limits. */
  readonly events: {
    readonly recheckIntervalMs: number;
    readonly maxStreamsPerDevice: number;
    readonly maxStreams: number;
  };

  /** SEC-9: requests per minute to /v1 and /scim, counted across every gateway (Redis). */
  readonly rateLimits: {
    readonly ipPerMinute: number;
    /** Per user (verified access token) on /v1, per SCIM token on /scim. */
    readonly userPerMinute: number;
  };

  readonly web: {
    /** Folder of the built web app (WEB-1); unset: apps/web/dist. */
    readonly root?: string;
  };

  constructor(env: GatewayEnv) {
    super(env);
    this.http = {
      port: env.PORT,
      host: env.HOST,
      publicUrl: env.PUBLIC_URL ?? `http://localhost:${env.PORT}`,
      loopbackOnly: isLoopbackHost(env.HOST),
      trustProxy: parseTrustProxy(env.TRUST_PROXY) ?? false,
      shutdownDelayMs: env.SHUTDOWN_DELAY_MS,
    };
    this.auth = {
      jwtSecret: env.AUTH_JWT_SECRET,
      jwksUrl: env.AUTH_JWKS_URL,
      issuer: env.AUTH_ISSUER,
      audience: env.AUTH_AUDIENCE,
      devLogin: env.AUTH_DEV_LOGIN,
    };
    this.ops = { dashboard: env.OPS_DASHBOARD, dashboardWrite: env.OPS_DASHBOARD_WRITE, dashboardPassword: env.OPS_DASHBOARD_PASSWORD };
    this.events = {
      recheckIntervalMs: env.EVENTS_RECHECK_INTERVAL_MS,
      maxStreamsPerDevice: env.EVENTS_MAX_STREAMS_PER_DEVICE,
      maxStreams: env.EVENTS_MAX_STREAMS,
    };
    this.rateLimits = { ipPerMinute: env.RATE_LIMIT_IP_PER_MINUTE, userPerMinute: env.RATE_LIMIT_USER_PER_MINUTE };
    this.web = { root: env.WEB_ROOT };
  }
}

/** Reads and validates the environment once, at start; tests pass their own env. */
export const loadGatewayConfig = configLoader(GatewayEnv, GatewayConfig);
