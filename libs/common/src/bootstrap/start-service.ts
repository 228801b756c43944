import type { DynamicModule, INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { BusEnv } from '../config';
import { RpcErrorFilter } from '../errors';
import { createLogger, PinoNestLogger } from '../logging';
import { busServer } from '../nats';

/**
 * Starts one service process on the bus: JSON logs, one error filter, shutdown
 * hooks so SIGTERM drains NATS and closes pools.
 */
export async function startService(module: DynamicModule, config: BusEnv, service: string): Promise<INestMicroservice> {
  const logger = new PinoNestLogger(createLogger(service, config.LOG_LEVEL));
  const app = await NestFactory.createMicroservice(module, { strategy: busServer(config, service), logger, bufferLogs: true });
  app.useGlobalFilters(new RpcErrorFilter());
  app.enableShutdownHooks();
  await app.listen();
  return app;
}
