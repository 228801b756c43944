import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createDataSource } from './data-source';

/**
 * What TypeORM would generate as a migration against a database migrated to the latest
 * migration: the statements that would make the schema match the entities. Empty when
 * entities and migrations agree, which is what lets the next migration be generated
 * (`typeorm migration:generate`) rather than written by hand (STYLE.md 7).
 *
 * The check runs in a scratch database of its own, created and dropped here, so it never
 * sees a developer's or another test's rows or half-applied changes.
 */
export async function schemaDrift(serverUrl: string): Promise<string[]> {
  const name = `td_schema_check_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: withDatabase(serverUrl, 'postgres'), connectionTimeoutMillis: 3000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
    const dataSource = createDataSource(withDatabase(serverUrl, name), 1);
    try {
      await dataSource.initialize();
      await dataSource.runMigrations({ transaction: 'each' });
      const sql = await dataSource.driver.createSchemaBuilder().log();
      return sql.upQueries.map((query) => query.query);
    } finally {
      if (dataSource.isInitialized) await dataSource.destroy();
      await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
    }
  } finally {
    await admin.end();
  }
}

function withDatabase(url: string, database: string): string {
  const target = new URL(url);
  target.pathname = `/${database}`;
  return target.toString();
}
