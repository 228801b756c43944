import { randomUUID } from 'node:crypto';
import type { INestMicroservice } from '@nestjs/common';
import { bullPrefix, createBullConnection, DomainError, unsealCode, type BusClient } from '@td/common';
import { codeSealBinding, Command, Queue, type DomainErrorBody, type IssueCodeRequest, type VerificationCodeEmailJob } from '@td/contracts';
import { connectBus, createTestEnv, expireKeyNow, type TestEnv } from '@td/testing';
import { Queue as BullQueue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { startVerificationService } from '../src/bootstrap';
import { loadVerificationServiceConfig, type VerificationServiceConfig } from '../src/config';

export interface TestDevice {
  workspaceId: string;
  userId: string;
  deviceId: string;
}

/**
 * verification-service running for real (own Redis prefix and NATS prefix), driven
 * over the bus as device-service drives it, with a look inside Redis and the email queue.
 */
export class CodesHarness {
  private constructor(
    readonly testEnv: TestEnv,
    readonly config: VerificationServiceConfig,
    readonly app: INestMicroservice,
    readonly bus: BusClient,
    private readonly closeBus: () => Promise<void>,
    /** Unprefixed: tests add the prefix themselves, since SCAN patterns are not prefixed. */
    readonly redis: Redis,
    readonly emailQueue: BullQueue<VerificationCodeEmailJob>,
    private readonly emailConnection: Redis,
  ) {}

  static async start(overrides: Record<string, string> = {}): Promise<CodesHarness> {
    const testEnv = await createTestEnv();
    const config = loadVerificationServiceConfig({ ...testEnv.env, ...overrides });
    const app = await startVerificationService(config);
    const { bus, close } = await connectBus(testEnv);
    const redis = new Redis(testEnv.redisUrl, { maxRetriesPerRequest: 1 });
    const emailConnection = createBullConnection(config.redis, 'test-email-reader');
    const emailQueue = new BullQueue<VerificationCodeEmailJob>(Queue.email, {
      connection: emailConnection,
      prefix: bullPrefix(config.redis),
    });
    return new CodesHarness(testEnv, config, app, bus, close, redis, emailQueue, emailConnection);
  }

  /** A fresh user with a fresh device (factories, not shared rows). */
  newDevice(userId: string = randomUUID()): TestDevice {
    const deviceId = randomUUID();
    return { workspaceId: 'ws-codes', userId, deviceId };
  }

  issue(device: TestDevice, reason: IssueCodeRequest['reason'] = 'setup') {
    return this.bus.request(Command.verificationIssueCode, {
      reason,
      workspaceId: device.workspaceId,
      userId: device.userId,
      deviceId: device.deviceId,
      // As device-service still sends it for older verification-services (rolling upgrade); never put in the job.
      email: `u-${device.deviceId.slice(0, 8)}@example.test`,
      device: { name: 'alice Web app - macOS/Chrome', clientType: 'web', os: 'macOS', browser: 'Chrome' },
    });
  }

  check(device: TestDevice, code: string) {
    return this.bus.request(Command.verificationCheckCode, { userId: device.userId, deviceId: device.deviceId, code });
  }

  /** The newest mail job for this device. */
  async latestJob(device: TestDevice): Promise<Job<VerificationCodeEmailJob>> {
    const jobs = (await this.emailQueue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).filter(
      (job) => job.data.deviceId === device.deviceId,
    );
    if (jobs.length === 0) throw new Error(`no email job for device ${device.deviceId}`);
    return jobs.sort((a, b) => b.timestamp - a.timestamp)[0];
  }

  /** What the user reads in the mail: the unsealed code of the newest job. */
  async codeFor(device: TestDevice): Promise<string> {
    return unsealCode(this.config.codes.hmacSecret, (await this.latestJob(device)).data.sealedCode, codeSealBinding(device));
  }

  /** Issues a code and reads it from the mail job, as the user would. */
  async issueAndRead(device: TestDevice, reason: IssueCodeRequest['reason'] = 'setup'): Promise<string> {
    await this.issue(device, reason);
    return this.codeFor(device);
  }

  /** Stands in for time passing on a key: it lapses now, as after its TTL. */
  expireNow(key: string): Promise<void> {
    return expireKeyNow(this.redis, this.testEnv.redisPrefix, key);
  }

  /** Every key of this test file, unprefixed names. */
  async keys(): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${this.testEnv.redisPrefix}:*`, 'COUNT', 1000);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return found;
  }

  /** Everything stored under this test file's prefix, as text: keys and values of every type. */
  async dumpRedis(): Promise<string> {
    const parts: string[] = [];
    for (const key of await this.keys()) {
      const type = await this.redis.type(key);
      const value =
        type === 'string'
          ? await this.redis.get(key)
          : type === 'hash'
            ? await this.redis.hgetall(key)
            : type === 'list'
              ? await this.redis.lrange(key, 0, -1)
              : type === 'set'
                ? await this.redis.smembers(key)
                : type === 'zset'
                  ? await this.redis.zrange(key, 0, -1, 'WITHSCORES')
                  : type === 'stream'
                    ? await this.redis.xrange(key, '-', '+')
                    : `<${type}>`;
      parts.push(`${key} ${JSON.stringify(value)}`);
    }
    return parts.join('\n');
  }

  async stop(): Promise<void> {
    await this.closeBus();
    await this.app.close();
    await this.emailQueue.close();
    this.emailConnection.disconnect();
    this.redis.disconnect();
    await this.testEnv.cleanup();
  }
}

/** The domain error a bus request failed with (fails the test if it succeeded or failed otherwise). */
export async function rejection(request: Promise<unknown>): Promise<DomainErrorBody> {
  const outcome = await request.then(
    (reply) => ({ reply }),
    (error: unknown) => ({ error }),
  );
  if ('reply' in outcome) throw new Error(`expected a domain error, got ${JSON.stringify(outcome.reply)}`);
  if (!(outcome.error instanceof DomainError)) throw outcome.error;
  return outcome.error.body;
}

/** A six-digit code that is not `code`, differing in exactly `digits` places. */
export function wrongCode(code: string, digits = 1): string {
  return code
    .split('')
    .map((digit, i) => (i < digits ? String((Number(digit) + 1 + (i % 9)) % 10) : digit))
    .join('');
}
