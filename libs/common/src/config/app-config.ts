import { Module, type DynamicModule } from '@nestjs/common';
import type { BusEnv, LOG_LEVELS, RedisEnv } from './base.env';
import { loadConfig } from './load-config';

/** How a process reaches the bus (SEC-11 credentials and TLS, the isolating prefix). */
export interface NatsSettings {
  /** One server, or several separated by commas. */
  readonly url: string;
  readonly user?: string;
  readonly password?: string;
  readonly credsFile?: string;
  readonly tlsCaFile?: string;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  readonly prefix: string;
  readonly requestTimeoutMs: number;
  /** Copies of the domain-event stream JetStream keeps; used when the stream is created. */
  readonly streamReplicas: number;
}

/** How the process itself runs: its logs, its stop, its probe port. */
export interface ProcessSettings {
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** On SIGTERM, how long the requests and jobs in hand may take before they are cut off. */
  readonly shutdownDrainMs: number;
  readonly healthPort?: number;
}

export interface RedisSettings {
  readonly url: string;
  /** Prefix of every key and BullMQ queue. */
  readonly prefix: string;
}

/**
 * The sections every process on the bus has. Each app's config class extends it (or RedisConfig)
 * with its own sections, is built once from its validated env by `configLoader`, and is injected
 * by its class everywhere (`AppConfigModule`).
 */
export class BusConfig {
  readonly nats: NatsSettings;
  readonly process: ProcessSettings;

  constructor(env: BusEnv) {
    this.nats = {
      url: env.NATS_URL,
      user: env.NATS_USER,
      password: env.NATS_PASSWORD,
      credsFile: env.NATS_CREDS,
      tlsCaFile: env.NATS_TLS_CA,
      tlsCertFile: env.NATS_TLS_CERT,
      tlsKeyFile: env.NATS_TLS_KEY,
      prefix: env.NATS_PREFIX,
      requestTimeoutMs: env.NATS_REQUEST_TIMEOUT_MS,
      streamReplicas: env.NATS_STREAM_REPLICAS,
    };
    this.process = { logLevel: env.LOG_LEVEL, shutdownDrainMs: env.SHUTDOWN_DRAIN_MS, healthPort: env.HEALTH_PORT };
  }
}

export class RedisConfig extends BusConfig {
  readonly redis: RedisSettings;

  constructor(env: RedisEnv) {
    super(env);
    this.redis = { url: env.REDIS_URL, prefix: env.REDIS_PREFIX };
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * An app's config loader: reads the environment once (OPS-4: a bad value throws a ConfigError
 * naming the variable) and maps it into the app's sectioned config, frozen: nothing changes it
 * after start. Tests set settings the same way production does: through the env they pass.
 */
export function configLoader<E extends BusEnv, C extends BusConfig>(
  schema: new () => E,
  config: new (env: E) => C,
): (env?: NodeJS.ProcessEnv) => C {
  return (env = process.env) => deepFreeze(new config(loadConfig(schema, env)));
}

/** Makes an app's config injectable by its class in every module of the app (one provider, global). */
@Module({})
export class AppConfigModule {
  static forRoot(config: BusConfig): DynamicModule {
    const token = config.constructor as new (...args: never[]) => BusConfig;
    return { module: AppConfigModule, global: true, providers: [{ provide: token, useValue: config }], exports: [token] };
  }
}
