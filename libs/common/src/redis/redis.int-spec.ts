import { Logger, type LoggerService } from '@nestjs/common';
import { createServer, type AddressInfo } from 'node:net';
import { waitUntil } from '@td/testing';
import { configLoader, RedisConfig, RedisEnv } from '../config';
import { createBullConnection, createRedis } from './redis';

/** A port that refuses connections: nothing listens there. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('Redis connections', () => {
  const entries: Array<{ level: string; message: unknown }> = [];
  const capture: LoggerService = {
    log: (message) => entries.push({ level: 'info', message }),
    error: (message) => entries.push({ level: 'error', message }),
    warn: (message) => entries.push({ level: 'warn', message }),
  };

  beforeAll(() => Logger.overrideLogger(capture));
  afterAll(() => Logger.overrideLogger(new Logger()));

  it.each([
    ['createRedis', createRedis],
    ['createBullConnection', createBullConnection],
  ])('ERR-3 %s reports a lost Redis once through the structured logger, never as an unhandled error event', async (_name, create) => {
    const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const config = configLoader(RedisEnv, RedisConfig)({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    const name = `test-${_name}`;
    const redis = create(config.redis, name, { retryStrategy: () => 50 });
    try {
      // Several reconnect attempts fail while we wait…
      let failures = 0;
      redis.on('error', () => failures++);
      await waitUntil(() => failures >= 3);
      // …and the logger got one structured line naming the connection, not one per attempt.
      const lines = entries.filter((e) => (e.message as { connection?: string }).connection === name);
      expect(lines).toEqual([
        { level: 'error', message: expect.objectContaining({ msg: expect.stringContaining('Redis connection lost'), connection: name }) },
      ]);
      expect(consoleError.mock.calls.flat().join(' ')).not.toContain('Unhandled error event');
    } finally {
      redis.disconnect();
      consoleError.mockRestore();
    }
  });
});
