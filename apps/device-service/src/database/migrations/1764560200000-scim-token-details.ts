import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SEC-8: SCIM tokens get a name, an optional expiry and their last use; audit rows can
 * name the SCIM token they are about (created, revoked, refused).
 */
export class ScimTokenDetails1764560200000 implements MigrationInterface {
  name = 'ScimTokenDetails1764560200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE scim_tokens
        ADD COLUMN name varchar(64) NOT NULL DEFAULT 'SCIM token',
        ADD COLUMN expires_at timestamptz,
        ADD COLUMN last_used_at timestamptz`);
    await queryRunner.query(`ALTER TABLE scim_tokens ALTER COLUMN name DROP DEFAULT`);
    await queryRunner.query(`ALTER TABLE audit_events ADD COLUMN target_scim_token_id uuid`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE audit_events DROP COLUMN target_scim_token_id`);
    await queryRunner.query(`ALTER TABLE scim_tokens DROP COLUMN last_used_at, DROP COLUMN expires_at, DROP COLUMN name`);
  }
}
