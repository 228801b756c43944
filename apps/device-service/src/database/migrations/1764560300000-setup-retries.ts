import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a retried setup needs to be answered as the first was (issue 10): a digest of the setup's
 * body, and when the device's current email code expires (also what the lost-code sweep reads).
 */
export class SetupRetries1764560300000 implements MigrationInterface {
  name = 'SetupRetries1764560300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE devices ADD COLUMN setup_request char(64), ADD COLUMN code_expires_at timestamptz`);
    await queryRunner.query(`CREATE INDEX devices_code_expires_idx ON devices (code_expires_at) WHERE status = 'pending_verification'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX devices_code_expires_idx`);
    await queryRunner.query(`ALTER TABLE devices DROP COLUMN code_expires_at, DROP COLUMN setup_request`);
  }
}
