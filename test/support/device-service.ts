import type { INestMicroservice } from '@nestjs/common';
import type { MailRecipient } from '@td/contracts';
import { newUser } from '@td/testing';
import { Client } from 'pg';
import { randomBytes, randomUUID } from 'node:crypto';
import { startDeviceService } from '../../apps/device-service/src/bootstrap';
import { loadDeviceServiceConfig, type DeviceServiceConfig } from '../../apps/device-service/src/config';

export interface TestMailUser extends MailRecipient {
  email: string;
  /** A device of theirs waiting for its email code (a code mail goes only while one does). */
  deviceId: string;
}

/**
 * The real device-service for another service's integration tests (notification-service asks it
 * where a mail goes, SEC-2), with a way to put users in its database. Apps never import each
 * other (lint); test support may, as TestSystem does for the whole system.
 */
export class RealDeviceService {
  private constructor(
    private readonly config: DeviceServiceConfig,
    private app: INestMicroservice | null,
  ) {}

  static async start(env: Record<string, string>): Promise<RealDeviceService> {
    const config = loadDeviceServiceConfig(env);
    return new RealDeviceService(config, await startDeviceService(config));
  }

  /** A fresh user, as the first request with their token creates them (AUTH-2). */
  async addUser(): Promise<TestMailUser> {
    const claims = newUser();
    const [row] = await this.query<{ id: string }>(
      `INSERT INTO users (workspace_id, subject, email, username, role) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [claims.wid, claims.sub, claims.email, claims.preferred_username, claims.role],
    );
    const user = { workspaceId: claims.wid, userId: row.id, email: claims.email };
    return { ...user, deviceId: await this.addPendingDevice(user) };
  }

  /** A device of the user waiting for its email code, as a committed setup leaves it. */
  async addPendingDevice(user: MailRecipient, deviceId: string = randomUUID()): Promise<string> {
    await this.query(
      `INSERT INTO devices (id, user_id, workspace_id, name, client_type, os, browser, key_thumbprint, public_jwk, fingerprint, status, created_at, expires_at)
       VALUES ($1, $2, $3, $4, 'web', 'Linux', 'Firefox', $5, '{}'::jsonb, 'a b c d e', 'pending_verification', now(), now() + interval '30 minutes')`,
      [deviceId, user.userId, user.workspaceId, `device ${deviceId.slice(0, 8)}`, randomBytes(32).toString('base64url')],
    );
    return deviceId;
  }

  async deprovision(user: MailRecipient): Promise<void> {
    await this.query(`UPDATE users SET deprovisioned_at = now() WHERE id = $1`, [user.userId]);
  }

  /** Stops answering on the bus (the database stays): device-service down. */
  async stop(): Promise<void> {
    await this.app?.close();
    this.app = null;
  }

  async restart(): Promise<void> {
    if (!this.app) this.app = await startDeviceService(this.config);
  }

  private async query<T>(sql: string, params: unknown[]): Promise<T[]> {
    const db = new Client({ connectionString: this.config.database.url });
    await db.connect();
    try {
      return (await db.query(sql, params)).rows as T[];
    } finally {
      await db.end();
    }
  }
}
