import type { INestApplication, INestMicroservice } from '@nestjs/common';
import type { StartOptions } from '@td/common';
import { createTestEnv, expireKeyNow, MailCatcher, mintToken, newUser, type TestEnv, type TestUserClaims } from '@td/testing';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { startDeviceService } from '../../apps/device-service/src/bootstrap';
import { loadDeviceServiceConfig } from '../../apps/device-service/src/config';
import { startGateway } from '../../apps/gateway/src/bootstrap';
import { loadGatewayConfig } from '../../apps/gateway/src/config';
import { startNotificationService } from '../../apps/notification-service/src/bootstrap';
import { loadNotificationServiceConfig } from '../../apps/notification-service/src/config';
import { startVerificationService } from '../../apps/verification-service/src/bootstrap';
import { CodeKeys } from '../../apps/verification-service/src/codes/codes.store';
import { loadVerificationServiceConfig } from '../../apps/verification-service/src/config';

export type ServiceName = 'device-service' | 'verification-service' | 'notification-service';
/** Settings one process gets on top of the shared ones (its own NATS credentials, SEC-11). */
export type PerProcessEnv = Partial<Record<ServiceName | 'gateway', Record<string, string>>>;

/**
 * The whole system in this test process, on real Postgres, Redis, NATS and a real
 * SMTP server: every service is its own Nest app on the bus, as in production.
 */
export class TestSystem {
  readonly services = new Map<ServiceName, INestMicroservice>();
  private readonly extraGateways: INestApplication[] = [];
  gateway!: INestApplication;
  url!: string;

  private constructor(
    readonly testEnv: TestEnv,
    readonly mail: MailCatcher,
    readonly env: Record<string, string>,
    private readonly perProcess: PerProcessEnv = {},
    /** What every process of the system starts with (e.g. one stream capturing all their log lines). */
    private readonly startOptions: StartOptions = {},
  ) {}

  static async start(
    overrides: Record<string, string> = {},
    perProcess: PerProcessEnv = {},
    startOptions: StartOptions = {},
  ): Promise<TestSystem> {
    const testEnv = await createTestEnv();
    const mail = await new MailCatcher().start();
    const env = {
      ...testEnv.env,
      SMTP_URL: mail.url,
      AUTH_DEV_LOGIN: 'true',
      // Every client of a test file comes from 127.0.0.1: one address stands for a whole office here,
      // so its per-address limit (SEC-9) is what a file sends at most. Per-user limits keep their default.
      RATE_LIMIT_IP_PER_MINUTE: '100000',
      ...overrides,
    };
    const system = new TestSystem(testEnv, mail, env, perProcess, startOptions);
    for (const name of ['device-service', 'verification-service', 'notification-service'] as const) await system.startService(name);
    await system.startGateway();
    return system;
  }

  async startService(name: ServiceName): Promise<void> {
    const env = { ...this.env, ...this.perProcess[name] };
    const app =
      name === 'device-service'
        ? await startDeviceService(loadDeviceServiceConfig(env), this.startOptions)
        : name === 'verification-service'
          ? await startVerificationService(loadVerificationServiceConfig(env), this.startOptions)
          : await startNotificationService(loadNotificationServiceConfig(env), this.startOptions);
    this.services.set(name, app);
  }

  async stopService(name: ServiceName): Promise<void> {
    await this.services.get(name)?.close();
    this.services.delete(name);
  }

  private async startGateway(): Promise<void> {
    const { app, url } = await this.anotherGateway();
    this.gateway = app;
    this.url = url;
  }

  /**
   * One more gateway on the same bus, with these settings over the system's own
   * (the caller closes it). On 127.0.0.1 like the system's, unless `HOST` says otherwise.
   */
  async anotherGateway(overrides: Record<string, string> = {}): Promise<{ app: INestApplication; url: string }> {
    // Port 0 picks a free port; PUBLIC_URL must then follow the real one for DPoP `htu` checks.
    const env = { ...this.env, ...this.perProcess.gateway, ...overrides };
    const probe = await startGateway(loadGatewayConfig({ ...env, PORT: '0' }), this.startOptions);
    const port = (probe.getHttpServer().address() as { port: number }).port;
    await probe.close();
    const url = `http://127.0.0.1:${port}`;
    return {
      app: await startGateway(
        loadGatewayConfig({ ...env, PORT: String(port), PUBLIC_URL: overrides.PUBLIC_URL ?? url }),
        this.startOptions,
      ),
      url,
    };
  }

  /** One more gateway with these settings over the system's own, closed by `stop()`; its URL. */
  async gatewayWith(overrides: Record<string, string>): Promise<string> {
    const { app, url } = await this.anotherGateway(overrides);
    this.extraGateways.push(app);
    return url;
  }

  /** A token for a fresh user (or the given claims), signed as the identity provider would. */
  async token(claims: Partial<TestUserClaims> = {}): Promise<{ token: string; user: TestUserClaims }> {
    const user = newUser(claims);
    return { token: await mintToken(this.env.AUTH_JWT_SECRET, user), user };
  }

  /**
   * Time passing, without waiting for it: the device's email code lapses (`code`) or
   * its 30-second interval between codes runs out (`cooldown`), as after their TTLs.
   */
  async lapse(what: 'code' | 'cooldown', deviceId: string): Promise<void> {
    const redis = new Redis(this.testEnv.redisUrl, { maxRetriesPerRequest: 1 });
    try {
      await expireKeyNow(redis, this.testEnv.redisPrefix, CodeKeys[what](deviceId));
    } finally {
      redis.disconnect();
    }
  }

  /** Time passing for a pending device: its deadline (SETUP-5) is now, as if its TTL had run out. */
  async reachDeadline(deviceId: string): Promise<void> {
    const db = new Client({ connectionString: this.testEnv.databaseUrl });
    await db.connect();
    try {
      await db.query(`UPDATE devices SET expires_at = now() WHERE id = $1`, [deviceId]);
    } finally {
      await db.end();
    }
  }

  async stop(): Promise<void> {
    for (const app of this.extraGateways.splice(0)) await app.close();
    await this.gateway?.close();
    for (const name of [...this.services.keys()]) await this.stopService(name);
    await this.mail.stop();
    await this.testEnv.cleanup();
  }
}
