import type { INestApplicationContext, INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { closeOnSignals, createLogger, PinoNestLogger, serveHealth, startService, type StartOptions } from '@td/common';
import { Service } from '@td/contracts';
import { DeviceServiceModule } from './app.module';
import type { DeviceServiceConfig } from './config';
import { createDataSource } from './database/data-source';
import { ensureDatabase } from './database/ensure-database';
import { runMigrations } from './database/migrate';
import { DeprovisionWorkerAppModule } from './deprovision/worker-app.module';

/** Runs pending migrations (creating the database first if needed). */
export async function migrate(config: DeviceServiceConfig, options: StartOptions = {}): Promise<string[]> {
  await ensureDatabase(config.database.url);
  const dataSource = createDataSource(config.database.url, 1);
  try {
    return await runMigrations(dataSource, createLogger('migrate', config.process.logLevel, { stream: options.logStream }));
  } finally {
    await dataSource.destroy();
  }
}

export async function startDeviceService(config: DeviceServiceConfig, options: StartOptions = {}): Promise<INestMicroservice> {
  if (config.database.migrationsRun) await migrate(config, options);
  return startService(DeviceServiceModule.forRoot(config), config, Service.device, options);
}

/** `worker.js`: the deprovisioning worker alone, no bus commands (DEPROV-1, OPS-5). */
export async function startDeprovisionWorker(config: DeviceServiceConfig): Promise<INestApplicationContext> {
  if (config.database.migrationsRun) await migrate(config);
  const logger = new PinoNestLogger(createLogger(`${Service.device}-worker`, config.process.logLevel));
  const app = await NestFactory.createApplicationContext(DeprovisionWorkerAppModule.forRoot(config), { logger, bufferLogs: true });
  // SIGTERM: running batches finish (bounded), the rest of a cascade is taken over later (DEPROV-2).
  closeOnSignals(app, () => app.close(), config.process.shutdownDrainMs);
  await app.init();
  // bufferLogs holds every log line until a flush; only listen() flushes, and a context never listens.
  app.flushLogs();
  if (config.process.healthPort) await serveHealth(config.process.healthPort);
  // The one line an operator (and npm start) waits for: the worker takes jobs from now on.
  logger.log(
    `Deprovisioning worker ready: taking jobs from the deprovision queue, ${config.deprovision.concurrency} at a time`,
    'DeprovisionWorker',
  );
  return app;
}
