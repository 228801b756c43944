import { testId } from '@td/testing';
import type { Job } from 'bullmq';
import { configLoader, RedisConfig, RedisEnv } from '../config';
import { BullQueues, BullWorker } from './bull';

/** A promise and the function that resolves it: a job that runs until the test lets it finish. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('BullQueues and BullWorker (the one queue/worker lifecycle)', () => {
  const { redis } = configLoader(
    RedisEnv,
    RedisConfig,
  )({ REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', REDIS_PREFIX: testId() });
  const queues = new BullQueues(redis, 'test-queues');
  const queue = queues.open<{ n: number }>('jobs', { defaultJobOptions: { removeOnComplete: false } });
  afterAll(() => queues.close());

  it('a worker closing within the drain lets its running job finish, then says so', async () => {
    const started = gate();
    const finish = gate();
    const worker = new BullWorker<{ n: number }, number>(
      redis,
      'jobs',
      async (job: Job<{ n: number }>) => {
        started.open();
        await finish.opened;
        return job.data.n * 2;
      },
      { connectionName: 'test-worker' },
    );
    const job = await queue.add('double', { n: 21 });
    await started.opened;

    const closing = worker.close(30_000);
    finish.open();

    await expect(closing).resolves.toBe(true);
    expect(await queue.getJobState(job.id!)).toBe('completed');
    expect((await queue.getJob(job.id!))?.returnvalue).toBe(42);
  });

  it('a job still running when the drain ends is left to another worker: close answers false and stops anyway', async () => {
    const started = gate();
    const release = gate();
    const worker = new BullWorker<{ n: number }, number>(
      redis,
      'jobs',
      async () => {
        started.open();
        await release.opened;
        return 1;
      },
      { connectionName: 'test-worker-stuck', lockDuration: 60_000 },
    );
    const job = await queue.add('stuck', { n: 1 });
    await started.opened;

    // The job outlives the drain (it runs until released below): close does not wait for it.
    await expect(worker.close(50)).resolves.toBe(false);
    // Not failed, not completed: it stays active under its lock until another worker takes it over.
    expect(await queue.getJobState(job.id!)).toBe('active');
    release.open();
  });
});
