import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, type ConnectionOptions, type NatsConnection } from 'nats';
import type { BusEnv } from '../config';
import { BusClient } from './bus.client';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

/**
 * Options every NATS connection of ours shares: this service's own credentials and TLS
 * (SEC-11), reconnect for ever, name the client.
 */
export function natsConnectionOptions(config: BusEnv, name: string): ConnectionOptions {
  return {
    servers: config.NATS_URL.split(','),
    name,
    ...natsCredentials(config),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    timeout: 3000,
    // Request errors keep their own stack; capturing an async trace per request costs CPU on every call.
    noAsyncTraces: true,
  };
}

/** SEC-11: user and password, or a `.creds` file (JWT + nkey seed); TLS when a CA (or `tls://`) says so. */
function natsCredentials(config: BusEnv): ConnectionOptions {
  const options: ConnectionOptions = {};
  if (config.NATS_USER) Object.assign(options, { user: config.NATS_USER, pass: config.NATS_PASSWORD });
  if (config.NATS_CREDS) options.authenticator = credsAuthenticator(readFileSync(config.NATS_CREDS));
  if (config.NATS_TLS_CA || config.NATS_TLS_CERT || config.NATS_URL.includes('tls://')) {
    options.tls = {
      ...(config.NATS_TLS_CA ? { caFile: config.NATS_TLS_CA } : {}),
      ...(config.NATS_TLS_CERT ? { certFile: config.NATS_TLS_CERT, keyFile: config.NATS_TLS_KEY } : {}),
    };
  }
  return options;
}

class NatsConnectionCloser implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly connection: NatsConnection) {}
  async onApplicationShutdown(): Promise<void> {
    await this.connection.drain().catch(() => undefined);
  }
}

/**
 * One NATS connection per process for outgoing requests, events and JetStream,
 * and the typed bus client on top of it.
 */
@Module({})
export class NatsModule {
  static forRoot(config: BusEnv, name: string): DynamicModule {
    return {
      module: NatsModule,
      global: true,
      providers: [
        { provide: NATS_CONNECTION, useFactory: () => connect(natsConnectionOptions(config, name)) },
        {
          provide: BusClient,
          inject: [NATS_CONNECTION],
          useFactory: (connection: NatsConnection) => new BusClient(connection, config.NATS_PREFIX, config.NATS_REQUEST_TIMEOUT_MS),
        },
        NatsConnectionCloser,
      ],
      exports: [NATS_CONNECTION, BusClient],
    };
  }
}
