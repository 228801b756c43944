import type { DynamicModule, INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { DestinationStream } from 'pino';
import type { BusConfig } from '../config';
import { RpcErrorFilter } from '../errors';
import { serveHealth } from '../health';
import { createLogger, PinoNestLogger } from '../logging';
import { busServer } from '../nats';
import { closeOnSignals } from './shutdown';

export interface StartOptions {
  /** Where the app's log lines go; standard output unless given (tests capture them). */
  logStream?: DestinationStream;
}

/**
 * Starts one service process on the bus: JSON logs, one error filter, and on SIGTERM
 * a graceful close: `app.close()` first drains the bus server (no new requests, the
 * ones received answered), then runs the modules' destroy and shutdown hooks (workers,
 * queues, pools), so nothing a request in flight needs is closed under it.
 */
export async function startService(
  module: DynamicModule,
  config: BusConfig,
  service: string,
  options: StartOptions = {},
): Promise<INestMicroservice> {
  const logger = new PinoNestLogger(createLogger(service, config.process.logLevel, { stream: options.logStream }));
  const app = await NestFactory.createMicroservice(module, { strategy: busServer(config, service), logger, bufferLogs: true });
  app.useGlobalFilters(new RpcErrorFilter());
  closeOnSignals(app, () => app.close(), config.process.shutdownDrainMs);
  await app.listen();
  if (config.process.healthPort) await serveHealth(config.process.healthPort);
  return app;
}
