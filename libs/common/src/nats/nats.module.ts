import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, type ConnectionOptions, type NatsConnection } from 'nats';
import type { NatsSettings } from '../config';
import { BusClient } from './bus.client';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

/**
 * Options every NATS connection of ours shares: this service's own credentials and TLS
 * (SEC-11), reconnect for ever, name the client.
 */
export function natsConnectionOptions(nats: NatsSettings, name: string): ConnectionOptions {
  return {
    servers: nats.url.split(','),
    name,
    ...natsCredentials(nats),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    timeout: 3000,
    // Request errors keep their own stack; capturing an async trace per request costs CPU on every call.
    noAsyncTraces: true,
  };
}

/** SEC-11: user and password, or a `.creds` file (JWT + nkey seed); TLS when a CA (or `tls://`) says so. */
function natsCredentials(nats: NatsSettings): ConnectionOptions {
  const options: ConnectionOptions = {};
  if (nats.user) Object.assign(options, { user: nats.user, pass: nats.password });
  if (nats.credsFile) options.authenticator = credsAuthenticator(readFileSync(nats.credsFile));
  if (nats.tlsCaFile || nats.tlsCertFile || nats.url.includes('tls://')) {
    options.tls = {
      ...(nats.tlsCaFile ? { caFile: nats.tlsCaFile } : {}),
      ...(nats.tlsCertFile ? { certFile: nats.tlsCertFile, keyFile: nats.tlsKeyFile } : {}),
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
  static forRoot(nats: NatsSettings, name: string): DynamicModule {
    return {
      module: NatsModule,
      global: true,
      providers: [
        { provide: NATS_CONNECTION, useFactory: () => connect(natsConnectionOptions(nats, name)) },
        {
          provide: BusClient,
          inject: [NATS_CONNECTION],
          useFactory: (connection: NatsConnection) => new BusClient(connection, nats.prefix, nats.requestTimeoutMs),
        },
        NatsConnectionCloser,
      ],
      exports: [NATS_CONNECTION, BusClient],
    };
  }
}
