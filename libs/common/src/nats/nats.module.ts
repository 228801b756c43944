import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { connect, type NatsConnection } from 'nats';
import type { BusEnv } from '../config';
import { BusClient } from './bus.client';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

/** Options every NATS connection of ours shares: reconnect for ever, name the client. */
export function natsConnectionOptions(config: BusEnv, name: string) {
  return {
    servers: config.NATS_URL,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    timeout: 3000,
    // Request errors keep their own stack; capturing an async trace per request costs CPU on every call.
    noAsyncTraces: true,
  };
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
