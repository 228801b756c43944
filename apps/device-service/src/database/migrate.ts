import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';

/** Creates the database if it is missing, then runs pending migrations. */
export async function runMigrations(dataSource: DataSource, logger?: Logger): Promise<string[]> {
  if (!dataSource.isInitialized) await dataSource.initialize();
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  for (const migration of applied) logger?.info({ migration: migration.name }, 'migration applied');
  return applied.map((m) => m.name);
}
