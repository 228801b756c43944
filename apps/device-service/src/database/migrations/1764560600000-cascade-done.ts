import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The deprovisioning self-heal sweep read every user ever deprovisioned, every 30 seconds, to find
 * the few whose cascade has not finished: a cost that grew with every offboarding (≈ 50 ms of
 * Postgres per sweep after 10,000 people, issue 12). A user whose cascade has nothing left is
 * marked (`cascade_done_at`) and the sweep reads only the others, through a partial index.
 * Existing deprovisioned users are marked by the first sweep.
 */
export class CascadeDone1764560600000 implements MigrationInterface {
  name = 'CascadeDone1764560600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users ADD COLUMN cascade_done_at timestamptz`);
    await queryRunner.query(
      `CREATE INDEX users_cascade_open_idx ON users (deprovisioned_at, id) WHERE deprovisioned_at IS NOT NULL AND cascade_done_at IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX users_cascade_open_idx`);
    await queryRunner.query(`ALTER TABLE users DROP COLUMN cascade_done_at`);
  }
}
