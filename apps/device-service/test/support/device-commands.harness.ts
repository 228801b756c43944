import type { INestMicroservice } from '@nestjs/common';
import { bullPrefix, createBullConnection, DomainError, unsealCode, type BusClient } from '@td/common';
import {
  codeSealBinding,
  Command,
  Queue,
  type Caller,
  type ClientType,
  type DeprovisionJobData,
  type DomainErrorBody,
  type ProofKey,
  type RequestOf,
  type ReplyOf,
  type TokenClaims,
  type VerificationCodeEmailJob,
} from '@td/contracts';
import { connectBus, createTestEnv, DeviceKey, newUser, type TestEnv } from '@td/testing';
import { Queue as BullQueue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { startRealVerificationService, type VerificationServiceConfig } from '../../../../test/support/verification-service';
import { insertDevice } from './device-rows';
import { startDeviceService } from '../../src/bootstrap';
import { loadDeviceServiceConfig, type DeviceServiceConfig } from '../../src/config';
import { createDataSource } from '../../src/database/data-source';
import { CallerResolver } from '../../src/users/caller-resolver';
import { User } from '../../src/users/user.entity';
import { Device } from '../../src/devices/device.entity';
import { LostCodeSweeper } from '../../src/devices/lost-codes.sweeper';

export const CHROME_ON_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

/**
 * The real device-service and verification-service on this file's own database, Redis
 * prefix and NATS prefix, driven over the bus exactly as the gateway drives them.
 */
export class DeviceCommandsHarness {
  private deprovisionQueue: BullQueue<DeprovisionJobData> | null = null;

  private constructor(
    readonly testEnv: TestEnv,
    readonly config: DeviceServiceConfig,
    /** The real verification-service's settings (the code TTL it gives, CODE-1). */
    readonly verificationConfig: VerificationServiceConfig,
    readonly deviceService: INestMicroservice,
    private verificationService: INestMicroservice | null,
    private readonly env: Record<string, string>,
    readonly bus: BusClient,
    private readonly closeBus: () => Promise<void>,
    /** Our own look at the database: reads for assertions, and rows a test needs to exist already. */
    readonly db: DataSource,
    private readonly emailQueue: BullQueue<VerificationCodeEmailJob>,
    private readonly emailConnection: Redis,
  ) {}

  static async start(overrides: Record<string, string> = {}): Promise<DeviceCommandsHarness> {
    const testEnv = await createTestEnv();
    const env = { ...testEnv.env, ...overrides };
    const config = loadDeviceServiceConfig(env);
    const deviceService = await startDeviceService(config);
    const verification = await startRealVerificationService(env);
    const { bus, close } = await connectBus(testEnv);
    const db = createDataSource(testEnv.databaseUrl, 4);
    await db.initialize();
    const emailConnection = createBullConnection(config.redis, 'test-email-reader');
    const emailQueue = new BullQueue<VerificationCodeEmailJob>(Queue.email, {
      connection: emailConnection,
      prefix: bullPrefix(config.redis),
    });
    return new DeviceCommandsHarness(
      testEnv,
      config,
      verification.config,
      deviceService,
      verification.app,
      env,
      bus,
      close,
      db,
      emailQueue,
      emailConnection,
    );
  }

  /** Claims of a fresh user in a fresh workspace (as the gateway hands them over). */
  user(overrides: Partial<TokenClaims> = {}): TokenClaims {
    const claims = newUser();
    return { sub: claims.sub, wid: claims.wid, email: claims.email, username: claims.preferred_username, role: claims.role, ...overrides };
  }

  caller(claims: TokenClaims, key: DeviceKey | null, options: { ip?: string | null; userAgent?: string | null } = {}): Caller {
    return {
      claims,
      proof: key ? { jkt: key.thumbprint, jwk: key.publicJwk as ProofKey['jwk'] } : null,
      ip: options.ip === undefined ? '203.0.113.7' : options.ip,
      userAgent: options.userAgent === undefined ? CHROME_ON_MAC : options.userAgent,
    };
  }

  send<C extends Command>(command: C, payload: RequestOf<C>): Promise<ReplyOf<C>> {
    return this.bus.request(command, payload, { timeoutMs: 15000 });
  }

  /** Sets up a device with a fresh key; returns the key and the reply. */
  async setup(claims: TokenClaims, clientType: ClientType = 'web', name?: string, options: { userAgent?: string } = {}) {
    const key = await DeviceKey.create();
    const reply = await this.send(Command.deviceSetup, {
      caller: this.caller(claims, key, options),
      clientType,
      ...(name === undefined ? {} : { name }),
    });
    return { key, ...reply };
  }

  /** The user's row (created on first sight by any command). */
  /** An admin with a trusted web device, in a fresh workspace unless `claims` names one, calling from `from`. */
  async admin(claims: Partial<TokenClaims> = {}, from: { ip?: string; userAgent?: string } = {}) {
    const admin = this.user({ role: 'admin', ...claims });
    const { key, device } = await this.approvedDevice(admin, 'web');
    return { claims: admin, key, device, caller: this.caller(admin, key, from), user: await this.userRow(admin) };
  }

  /** The deprovision jobs of these users (by user id), in whatever state the queue holds them. */
  async deprovisionJobs(userIds: string[]): Promise<Job<DeprovisionJobData>[]> {
    this.deprovisionQueue ??= new BullQueue<DeprovisionJobData>(Queue.deprovision, {
      connection: this.emailConnection,
      prefix: bullPrefix(this.config.redis),
    });
    const jobs = await this.deprovisionQueue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized']);
    return jobs.filter((job) => userIds.includes(job.data.userId));
  }

  async userRow(claims: TokenClaims): Promise<User> {
    await this.send(Command.deviceGetSession, { caller: this.caller(claims, null) });
    return this.db.getRepository(User).findOneByOrFail({ workspaceId: claims.wid, subject: claims.sub });
  }

  /**
   * An already approved device of the user, with a real key (a row, as if confirmed before:
   * the approval flows themselves are tested where they are the subject).
   */
  async approvedDevice(claims: TokenClaims, clientType: ClientType = 'web'): Promise<{ key: DeviceKey; device: Device }> {
    const key = await DeviceKey.create();
    const device = await insertDevice(this.db, await this.userRow(claims), {
      clientType,
      keyThumbprint: key.thumbprint,
      name: `${clientType} ${key.thumbprint.slice(0, 8)}`,
    });
    return { key, device };
  }

  async deviceRow(id: string): Promise<Device> {
    return this.db.getRepository(Device).findOneByOrFail({ id });
  }

  /** The code the user reads in the newest verification email to them (jobs name the user, SEC-2). */
  async latestCode(claims: TokenClaims): Promise<string> {
    const user = await this.db.getRepository(User).findOneByOrFail({ workspaceId: claims.wid, subject: claims.sub });
    const recipient = { workspaceId: user.workspaceId, userId: user.id };
    const jobs = (await this.emailQueue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).filter(
      (job) => job.data.userId === recipient.userId && job.data.workspaceId === recipient.workspaceId,
    );
    if (jobs.length === 0) throw new Error(`no verification email to ${claims.email}`);
    const newest = jobs.sort((a, b) => b.timestamp - a.timestamp)[0];
    return unsealCode(this.testEnv.env.CODE_HMAC_SECRET, newest.data.sealedCode, codeSealBinding(recipient));
  }

  /** The verification mails queued to this user (whatever became of them). */
  async codeMailsTo(claims: TokenClaims): Promise<number> {
    const user = await this.db.getRepository(User).findOneByOrFail({ workspaceId: claims.wid, subject: claims.sub });
    return (await this.emailQueue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).filter(
      (job) => job.data.userId === user.id,
    ).length;
  }

  /** What a Redis restart without persistence does to this file's data: every key (codes, limits, queued mails) is gone. */
  async loseRedisData(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.emailConnection.scan(cursor, 'MATCH', `${this.config.redis.prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await this.emailConnection.del(...keys);
    } while (cursor !== '0');
  }

  /** The lost-code sweep of the running device-service (its own timer is set far off by tests that call it). */
  lostCodeSweeper(): LostCodeSweeper {
    return this.deviceService.get(LostCodeSweeper);
  }

  async auditActions(deviceId: string): Promise<string[]> {
    const rows: Array<{ action: string }> = await this.db.query(
      `SELECT action FROM audit_events WHERE target_device_id = $1 ORDER BY at, action`,
      [deviceId],
    );
    return rows.map((row) => row.action);
  }

  async outboxSubjects(deviceId: string): Promise<string[]> {
    const rows: Array<{ subject: string }> = await this.db.query(
      `SELECT subject FROM outbox WHERE payload->'device'->>'id' = $1 ORDER BY created_at`,
      [deviceId],
    );
    return rows.map((row) => row.subject);
  }

  /** Waits for the last-seen writes that the requests answered so far started (they run off the reply's path). */
  async lastSeenWritten(): Promise<void> {
    await Promise.all(this.deviceService.get(CallerResolver, { each: true }).map((resolver) => resolver.lastSeenWritten()));
  }

  /** Takes verification-service off the bus (a dependency down, ERR-3), or brings it back. */
  async stopVerification(): Promise<void> {
    await this.verificationService?.close();
    this.verificationService = null;
  }

  async startVerification(): Promise<void> {
    this.verificationService ??= (await startRealVerificationService(this.env)).app;
  }

  async stop(): Promise<void> {
    await this.closeBus();
    await this.deviceService.close();
    await this.verificationService?.close();
    await this.deprovisionQueue?.close();
    await this.emailQueue.close();
    this.emailConnection.disconnect();
    await this.db.destroy();
    await this.testEnv.cleanup();
  }
}

/** The domain error a command failed with; fails the test when it succeeded or failed some other way. */
export async function rejection(request: Promise<unknown>): Promise<DomainErrorBody> {
  const outcome = await request.then(
    (reply) => ({ reply, error: undefined }),
    (error: unknown) => ({ reply: undefined, error }),
  );
  if (outcome.error instanceof DomainError) return outcome.error.body;
  throw new Error(
    outcome.error ? `failed without a domain error: ${String(outcome.error)}` : `succeeded: ${JSON.stringify(outcome.reply)}`,
  );
}
