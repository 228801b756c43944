import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SCIM tokens of a workspace (DEPROV-1): only a SHA-256 hash of each token is kept.
 * Also indexes deprovisioned users, which the cascade's self-healing sweep reads.
 */
export class ScimTokens1764320000000 implements MigrationInterface {
  name = 'ScimTokens1764320000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE scim_tokens (
        id uuid PRIMARY KEY,
        workspace_id varchar(255) NOT NULL,
        token_hash char(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by uuid REFERENCES users (id),
        revoked_at timestamptz,
        CONSTRAINT scim_tokens_token_hash_key UNIQUE (token_hash)
      )`);
    await queryRunner.query(`CREATE INDEX scim_tokens_workspace_idx ON scim_tokens (workspace_id)`);
    await queryRunner.query(`CREATE INDEX users_deprovisioned_idx ON users (deprovisioned_at) WHERE deprovisioned_at IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX users_deprovisioned_idx`);
    await queryRunner.query(`DROP TABLE scim_tokens`);
  }
}
