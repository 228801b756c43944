import type { INestMicroservice } from '@nestjs/common';
import { createLogger, startService } from '@td/common';
import { Service } from '@td/contracts';
import { DeviceServiceModule } from './app.module';
import type { DeviceServiceEnv } from './config';
import { createDataSource } from './database/data-source';
import { ensureDatabase } from './database/ensure-database';
import { runMigrations } from './database/migrate';

/** Runs pending migrations (creating the database first if needed). */
export async function migrate(config: DeviceServiceEnv): Promise<string[]> {
  await ensureDatabase(config.DATABASE_URL);
  const dataSource = createDataSource(config.DATABASE_URL, 1);
  try {
    return await runMigrations(dataSource, createLogger('migrate', config.LOG_LEVEL));
  } finally {
    await dataSource.destroy();
  }
}

export async function startDeviceService(config: DeviceServiceEnv): Promise<INestMicroservice> {
  if (config.MIGRATIONS_RUN) await migrate(config);
  return startService(DeviceServiceModule.forRoot(config), config, Service.device);
}
