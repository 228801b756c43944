import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { TestEnv } from '@td/testing';

export interface Floor {
  url: string;
  processes(): Array<{ pid: number; label: string }>;
  stop(): Promise<void>;
}

/** Starts the floor (floor-server → NATS → floor-responder), each its own process so its CPU is counted apart. */
export async function startFloor(testEnv: TestEnv, port: number): Promise<Floor> {
  const env = {
    ...process.env,
    DATABASE_URL: testEnv.databaseUrl,
    REDIS_URL: testEnv.redisUrl,
    REDIS_PREFIX: testEnv.redisPrefix,
    NATS_URL: testEnv.natsUrl,
    FLOOR_SUBJECT: `${testEnv.natsPrefix}.floor`,
    FLOOR_PORT: String(port),
  };
  const start = async (script: string): Promise<ChildProcess> => {
    const child = fork(join(__dirname, script), { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const [message] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => ['exited'])])) as [string];
    if (message !== 'ready') throw new Error(`${script} did not start`);
    return child;
  };
  const responder = await start('floor-responder.js');
  const server = await start('floor-server.js');
  return {
    url: `http://127.0.0.1:${port}`,
    processes: () => [
      { pid: server.pid!, label: 'floor http' },
      { pid: responder.pid!, label: 'floor responder' },
    ],
    async stop() {
      for (const child of [server, responder]) {
        if (child.exitCode !== null) continue;
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}
