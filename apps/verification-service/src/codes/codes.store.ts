import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { REDIS, redisReady } from '@td/common';
import type { Redis } from 'ioredis';
import { BEGIN_CHECK, CODE_SCRIPTS, CONSUME_CODE, ISSUE_CODE, RELEASE_CODE, type LuaScript } from './codes.scripts';

/**
 * Names of the code keys (under the connection's REDIS_PREFIX). Only this file
 * writes them; tests read them to look inside Redis.
 */
export const CodeKeys = {
  /** Hash { hash, user, attempts, id (the code's id: its mail job's id), expires (ms) } with the code's TTL. */
  code: (deviceId: string) => `verification:code:${deviceId}`,
  /** Set while a device may not get another code (CODE-4: one per 30 s). */
  cooldown: (deviceId: string) => `verification:code-cooldown:${deviceId}`,
  /** Sorted set: the user's explicit resends within the last hour. */
  resends: (userId: string) => `verification:code-resends:${userId}`,
  /** Sorted set: the user's wrong codes within the last hour (CODE-6). */
  failures: (userId: string) => `verification:code-failures:${userId}`,
};

export interface IssueInput {
  /** Names this code; its mail job has this id. */
  codeId: string;
  userId: string;
  deviceId: string;
  hash: string;
  ttlMs: number;
  cooldownMs: number;
  /** Present for an explicit resend, which also counts towards the user's hourly limit. */
  resend: { limit: number; windowMs: number; member: string } | null;
}

export type IssueOutcome = { issued: true; issuedAtMs: number } | { issued: false; retryAfterMs: number };

export interface CheckInput {
  userId: string;
  deviceId: string;
  maxAttempts: number;
  maxFailures: number;
  windowMs: number;
  /** Names this attempt's provisional failure, so a match can take it back. */
  member: string;
}

export type CheckStart =
  | { kind: 'locked'; retryAfterMs: number }
  | { kind: 'missing' }
  | { kind: 'exhausted' }
  | { kind: 'compare'; storedHash: string; attemptsRemaining: number };

type ScriptRunner = (...keysThenArgs: Array<string | number>) => Promise<unknown>;

/** The only place that touches code keys in Redis; every rule that must hold under concurrency is one Lua script. */
@Injectable()
export class CodesStore implements OnApplicationBootstrap {
  private readonly logger = new Logger(CodesStore.name);

  constructor(@Inject(REDIS) private readonly redis: Redis) {
    for (const script of CODE_SCRIPTS) {
      if (!(script.name in redis)) redis.defineCommand(script.name, { numberOfKeys: script.numberOfKeys, lua: script.lua });
    }
  }

  /** The connection queues nothing while it connects: wait for it, so the first requests after start do not read as "Redis down". */
  async onApplicationBootstrap(): Promise<void> {
    if (!(await redisReady(this.redis))) this.logger.warn('Redis is not reachable yet; codes answer 503 until it is');
  }

  async issue(input: IssueInput): Promise<IssueOutcome> {
    const { userId, deviceId, hash, resend } = input;
    const [issued, value] = (await this.run(
      ISSUE_CODE,
      [CodeKeys.code(deviceId), CodeKeys.cooldown(deviceId), CodeKeys.resends(userId)],
      [hash, userId, input.ttlMs, input.cooldownMs, resend?.limit ?? 0, resend?.windowMs ?? 0, resend?.member ?? '', input.codeId],
    )) as [number, number];
    return issued === 1 ? { issued: true, issuedAtMs: value } : { issued: false, retryAfterMs: value };
  }

  /** Undoes exactly what `issue` wrote with this hash (and resend member), if nothing replaced it meanwhile. */
  async release(input: Pick<IssueInput, 'userId' | 'deviceId' | 'hash' | 'resend'>): Promise<void> {
    const { userId, deviceId } = input;
    await this.run(
      RELEASE_CODE,
      [CodeKeys.code(deviceId), CodeKeys.cooldown(deviceId), CodeKeys.resends(userId)],
      [input.hash, input.resend?.member ?? ''],
    );
  }

  async beginCheck(input: CheckInput): Promise<CheckStart> {
    const reply = (await this.run(
      BEGIN_CHECK,
      [CodeKeys.code(input.deviceId), CodeKeys.failures(input.userId)],
      [input.userId, input.maxAttempts, input.maxFailures, input.windowMs, input.member],
    )) as [string, ...Array<string | number>];
    switch (reply[0]) {
      case 'locked':
        return { kind: 'locked', retryAfterMs: Number(reply[1]) };
      case 'missing':
        return { kind: 'missing' };
      case 'exhausted':
        return { kind: 'exhausted' };
      case 'compare':
        return { kind: 'compare', storedHash: String(reply[1]), attemptsRemaining: Number(reply[2]) };
      default:
        throw new Error(`unexpected reply from ${BEGIN_CHECK.name}: ${String(reply[0])}`);
    }
  }

  /** True for exactly one caller: the one whose matching hash deleted the code. */
  async consume(input: { userId: string; deviceId: string; hash: string; member: string }): Promise<boolean> {
    const deleted = await this.run(
      CONSUME_CODE,
      [CodeKeys.code(input.deviceId), CodeKeys.failures(input.userId)],
      [input.hash, input.member],
    );
    return deleted === 1;
  }

  /** Takes back the provisional failure BEGIN_CHECK recorded for an attempt whose code was right. */
  async withdrawFailure(input: { userId: string; member: string }): Promise<void> {
    await this.redis.zrem(CodeKeys.failures(input.userId), input.member);
  }

  /** The devices among these that have no code (in one round trip). */
  async missing(deviceIds: readonly string[]): Promise<string[]> {
    if (deviceIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const deviceId of deviceIds) pipeline.exists(CodeKeys.code(deviceId));
    const replies = (await pipeline.exec()) ?? [];
    return deviceIds.filter((_, i) => {
      const [error, exists] = replies[i] ?? [new Error('no reply'), null];
      if (error) throw error;
      return exists === 0;
    });
  }

  /** Deletes the devices' codes (they then read as expired); answers how many there were. */
  async voidCodes(deviceIds: readonly string[]): Promise<number> {
    if (deviceIds.length === 0) return 0;
    return this.redis.del(...deviceIds.map(CodeKeys.code));
  }

  private run(script: LuaScript, keys: string[], args: Array<string | number>): Promise<unknown> {
    const command = (this.redis as unknown as Record<string, ScriptRunner>)[script.name];
    return command.call(this.redis, ...keys, ...args);
  }
}
