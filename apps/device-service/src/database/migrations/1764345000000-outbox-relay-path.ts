import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox relay's access path (issue 12). Marking a row published leaves a dead entry
 * in `outbox_unpublished_idx` until vacuum, and a relay pass that starts at the head of
 * that index steps over all of them. So:
 *  - the commit's NOTIFY carries the lowest `seq` the transaction wrote, and the relay
 *    scans only from there (rows below it are known published);
 *  - the table is vacuumed after a fixed number of dead rows rather than a fraction of a
 *    table that keeps a day of published rows, which bounds the dead entries of full scans.
 */
export class OutboxRelayPath1764345000000 implements MigrationInterface {
  name = 'OutboxRelayPath1764345000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER outbox_notify ON outbox`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('outbox_committed', (SELECT min(seq)::text FROM inserted));
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
        REFERENCING NEW TABLE AS inserted
        FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()`);
    await queryRunner.query(
      `ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000, autovacuum_vacuum_cost_delay = 0)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE outbox RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, autovacuum_vacuum_cost_delay)`,
    );
    await queryRunner.query(`DROP TRIGGER outbox_notify ON outbox`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('outbox_committed', '');
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
        FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()`);
  }
}
