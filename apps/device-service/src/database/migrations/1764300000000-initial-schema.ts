import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, devices, the outbox and the audit log (PRODUCT.md "Words", SETUP, ADMIN-3). */
export class InitialSchema1764300000000 implements MigrationInterface {
  name = 'InitialSchema1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id varchar(255) NOT NULL,
        subject varchar(255) NOT NULL,
        email varchar(320) NOT NULL,
        username varchar(255) NOT NULL,
        role varchar(16) NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
        deprovisioned_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_workspace_subject_key UNIQUE (workspace_id, subject)
      )`);
    await queryRunner.query(`CREATE INDEX users_workspace_email_idx ON users (workspace_id, lower(email))`);

    await queryRunner.query(`
      CREATE TABLE devices (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id),
        workspace_id varchar(255) NOT NULL,
        name varchar(64) NOT NULL,
        client_type varchar(16) NOT NULL CHECK (client_type IN ('web', 'extension', 'mobile')),
        os varchar(64) NOT NULL,
        browser varchar(64) NOT NULL,
        key_thumbprint varchar(64) NOT NULL,
        public_jwk jsonb NOT NULL,
        fingerprint varchar(128) NOT NULL,
        status varchar(32) NOT NULL CHECK (status IN
          ('pending_verification', 'pending_approval', 'approved', 'denied', 'disabled', 'expired')),
        created_at timestamptz NOT NULL,
        expires_at timestamptz,
        approved_at timestamptz,
        approved_via varchar(16) CHECK (approved_via IN ('email_code', 'device')),
        approved_by uuid REFERENCES devices (id),
        denied_at timestamptz,
        disabled_at timestamptz,
        last_seen_at timestamptz,
        last_ip varchar(64),
        created_ip varchar(64),
        key_envelope text,
        -- KEY-4: a key belongs to one device, ever, whatever its status now.
        CONSTRAINT devices_key_thumbprint_key UNIQUE (key_thumbprint)
      )`);
    // SETUP-2: names are unique per user, ignoring case, among registered devices.
    await queryRunner.query(`
      CREATE UNIQUE INDEX devices_user_registered_name_key ON devices (user_id, lower(name))
        WHERE status IN ('pending_verification', 'pending_approval', 'approved')`);
    await queryRunner.query(`CREATE INDEX devices_user_created_idx ON devices (user_id, created_at DESC)`);
    await queryRunner.query(`CREATE INDEX devices_workspace_created_idx ON devices (workspace_id, created_at DESC, id DESC)`);
    // SETUP-5: the expiry sweep reads only pending devices by deadline.
    await queryRunner.query(`
      CREATE INDEX devices_pending_expiry_idx ON devices (expires_at)
        WHERE status IN ('pending_verification', 'pending_approval')`);

    await queryRunner.query(`
      CREATE TABLE outbox (
        id uuid PRIMARY KEY,
        subject varchar(128) NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz,
        attempts int NOT NULL DEFAULT 0
      )`);
    await queryRunner.query(`CREATE INDEX outbox_unpublished_idx ON outbox (created_at) WHERE published_at IS NULL`);

    await queryRunner.query(`
      CREATE TABLE audit_events (
        id uuid PRIMARY KEY,
        workspace_id varchar(255) NOT NULL,
        at timestamptz NOT NULL,
        action varchar(64) NOT NULL,
        actor_user_id uuid,
        actor_device_id uuid,
        target_user_id uuid,
        target_device_id uuid,
        ip varchar(64),
        user_agent varchar(512),
        dedupe_key varchar(200) UNIQUE
      )`);
    await queryRunner.query(`CREATE INDEX audit_events_workspace_at_idx ON audit_events (workspace_id, at DESC, id DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_events`);
    await queryRunner.query(`DROP TABLE outbox`);
    await queryRunner.query(`DROP TABLE devices`);
    await queryRunner.query(`DROP TABLE users`);
  }
}
