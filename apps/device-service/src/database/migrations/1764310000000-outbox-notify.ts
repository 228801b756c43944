import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Wakes the outbox relay the moment a transaction that wrote outbox rows commits
 * (NOTIFY is delivered at commit, never for a rolled-back write); numbers rows
 * so events of one transaction are published in the order they were written
 * (they share `created_at`); indexes published rows for pruning.
 */
export class OutboxNotify1764310000000 implements MigrationInterface {
  name = 'OutboxNotify1764310000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('outbox_committed', '');
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
        FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()`);
    await queryRunner.query(`ALTER TABLE outbox ADD COLUMN seq bigserial`);
    await queryRunner.query(`DROP INDEX outbox_unpublished_idx`);
    await queryRunner.query(`CREATE INDEX outbox_unpublished_idx ON outbox (seq) WHERE published_at IS NULL`);
    await queryRunner.query(`CREATE INDEX outbox_published_idx ON outbox (published_at) WHERE published_at IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX outbox_published_idx`);
    await queryRunner.query(`DROP INDEX outbox_unpublished_idx`);
    await queryRunner.query(`ALTER TABLE outbox DROP COLUMN seq`);
    await queryRunner.query(`CREATE INDEX outbox_unpublished_idx ON outbox (created_at) WHERE published_at IS NULL`);
    await queryRunner.query(`DROP TRIGGER outbox_notify ON outbox`);
    await queryRunner.query(`DROP FUNCTION outbox_notify()`);
  }
}
