import { createTestEnv, type TestEnv } from '@td/testing';
import type { DataSource } from 'typeorm';
import { migrate } from '../../src/bootstrap';
import { loadDeviceServiceConfig, type DeviceServiceConfig } from '../../src/config';
import { createDataSource } from '../../src/database/data-source';

/**
 * This file's own database (with its Redis and NATS prefixes), migrated as device-service
 * migrates it, for tests that build device-service's parts by hand; the data sources it opens
 * are closed by `cleanup()`.
 */
export class MigratedDatabase {
  private readonly dataSources: DataSource[] = [];

  private constructor(
    readonly testEnv: TestEnv,
    readonly config: DeviceServiceConfig,
  ) {}

  static async start(): Promise<MigratedDatabase> {
    const testEnv = await createTestEnv();
    const config = loadDeviceServiceConfig(testEnv.env);
    await migrate(config);
    return new MigratedDatabase(testEnv, config);
  }

  /** Another data source (a pool of 4), as another device-service instance would have. */
  async openDataSource(): Promise<DataSource> {
    const source = await createDataSource(this.config.database.url, 4).initialize();
    this.dataSources.push(source);
    return source;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.dataSources.splice(0).map((source) => source.destroy()));
    await this.testEnv.cleanup();
  }
}
