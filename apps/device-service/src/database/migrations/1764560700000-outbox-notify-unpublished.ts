import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A statement's NOTIFY announces only rows it wrote unpublished: rows written already published
 * (the bench's floor writes such) woke every relay for a pass that could find nothing (issue 12).
 */
export class OutboxNotifyUnpublished1764560700000 implements MigrationInterface {
  name = 'OutboxNotifyUnpublished1764560700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        lowest bigint := (SELECT min(seq) FROM inserted WHERE published_at IS NULL);
      BEGIN
        IF lowest IS NOT NULL THEN
          PERFORM pg_notify('outbox_committed', lowest::text);
        END IF;
        RETURN NULL;
      END
      $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('outbox_committed', (SELECT min(seq)::text FROM inserted));
        RETURN NULL;
      END
      $$`);
  }
}
