import { accessSync, constants } from 'node:fs';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Turns "true"/"false"/"1"/"0" into a boolean; anything else stays as given, so validation names it.
 * Reads the raw value from `obj`: with implicit conversion on, class-transformer hands `value` over
 * already converted, and Boolean("false") is true.
 */
export const toBoolean = ({ value: converted, obj, key }: { value: unknown; obj?: Record<string, unknown>; key?: string }): unknown => {
  const value = obj && key !== undefined && key in obj ? obj[key] : converted;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return value;
};

/** What every process on the bus needs. Each app's env class extends it. */
export class BusEnv {
  /** One server, or several separated by commas (a cluster); `tls://` asks for TLS. */
  @Matches(/^(nats|tls):\/\/[^\s,]+(,(nats|tls):\/\/[^\s,]+)*$/, { message: 'must be nats:// or tls:// URLs, separated by commas' })
  NATS_URL: string = 'nats://127.0.0.1:4222';

  /** SEC-11: this service's own NATS user and password (both or neither). */
  @IsOptional()
  @IsString()
  NATS_USER?: string;

  @IsOptional()
  @IsString()
  NATS_PASSWORD?: string;

  /** SEC-11: a NATS `.creds` file (user JWT and nkey seed), instead of a user and password. */
  @IsOptional()
  @IsString()
  NATS_CREDS?: string;

  /** SEC-11: TLS to NATS: the CA that signed the server's certificate (PEM file); turns TLS on. */
  @IsOptional()
  @IsString()
  NATS_TLS_CA?: string;

  /** SEC-11: a client certificate and its key (PEM files) when the server asks for one (mutual TLS). */
  @IsOptional()
  @IsString()
  NATS_TLS_CERT?: string;

  @IsOptional()
  @IsString()
  NATS_TLS_KEY?: string;

  /** Prefix of every subject, stream and queue group: isolates test files and tenants of one NATS. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]*$/, { message: 'may hold only letters, digits, _ and -' })
  NATS_PREFIX: string = '';

  @IsInt()
  @Min(100)
  @Max(60_000)
  NATS_REQUEST_TIMEOUT_MS: number = 5000;

  /**
   * On SIGTERM, how long the process may take to finish the requests and jobs it holds before it
   * cuts them off (it exits at most ~1.5 s after this).
   */
  @IsInt()
  @Min(0)
  @Max(60_000)
  SHUTDOWN_DRAIN_MS: number = 8000;

  /** Copies of the domain-event stream JetStream keeps (3 on a three-server cluster); used when the stream is created. */
  @IsInt()
  @Min(1)
  @Max(5)
  NATS_STREAM_REPLICAS: number = 1;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @IsOptional()
  @IsString()
  INSTANCE_ID?: string;

  /** Probe port (`/health/live`, `/health/ready`) for container engines and Kubernetes; unset: none. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  HEALTH_PORT?: number;
}

/** SEC-11: rules across the NATS settings of every process on the bus (loadConfig runs them). */
export function busEnvProblems(config: BusEnv): string[] {
  const problems: string[] = [];
  if (Boolean(config.NATS_USER) !== Boolean(config.NATS_PASSWORD)) problems.push('NATS_USER and NATS_PASSWORD: set both or neither');
  if (config.NATS_CREDS && config.NATS_USER) problems.push('NATS_CREDS and NATS_USER: use one way to authenticate');
  if (Boolean(config.NATS_TLS_CERT) !== Boolean(config.NATS_TLS_KEY)) problems.push('NATS_TLS_CERT and NATS_TLS_KEY: set both or neither');
  for (const name of ['NATS_CREDS', 'NATS_TLS_CA', 'NATS_TLS_CERT', 'NATS_TLS_KEY'] as const) {
    const path = config[name];
    if (path && !readable(path)) problems.push(`${name}: cannot read the file ${JSON.stringify(path)}`);
  }
  return problems;
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

export class RedisEnv extends BusEnv {
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL: string = 'redis://127.0.0.1:6379';

  /** Prefix of every Redis key (and BullMQ queue): isolates test files sharing one Redis. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_:-]*$/, { message: 'may hold only letters, digits, _, : and -' })
  REDIS_PREFIX: string = 'td';
}
