import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SEC-5: pending, expired and denied devices are deleted after DEVICE_RETENTION_DAYS.
 * Their keys stay taken (KEY-4: a key belongs to one device, ever), so each deleted
 * device leaves its thumbprint in `retired_device_keys`. The partial index serves the
 * pruning query, ordered by the device's last change.
 */
export class DeviceRetention1764560100000 implements MigrationInterface {
  name = 'DeviceRetention1764560100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE retired_device_keys (
        key_thumbprint varchar(64) PRIMARY KEY,
        retired_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE INDEX devices_prunable_idx ON devices ((greatest(created_at, expires_at, denied_at)))
        WHERE status IN ('pending_verification', 'pending_approval', 'denied', 'expired')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX devices_prunable_idx`);
    await queryRunner.query(`DROP TABLE retired_device_keys`);
  }
}
