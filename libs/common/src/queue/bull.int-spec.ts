import { testId, waitUntil } from '@td/testing';
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

  it('issue 12: an idle worker keeps no lock renewal timer; one holding a job renews its lock for as long as it runs', async () => {
    const started = gate();
    const stalled: string[] = [];
    let runs = 0;
    const worker = new BullWorker<{ n: number }, number>(
      redis,
      'jobs',
      async () => {
        runs += 1;
        started.open();
        // Three lock durations: without renewals the stalled check (every 300 ms) would take the job back.
        await new Promise((resolve) => setTimeout(resolve, 3000));
        return 1;
      },
      { connectionName: 'test-worker-renewing', lockDuration: 1000, stalledInterval: 300 },
    );
    worker.worker.on('stalled', (jobId) => stalled.push(jobId));
    try {
      await worker.worker.waitUntilReady();
      expect(worker.renewingLocks).toBe(false);
      const job = await queue.add('long', { n: 1 });
      await started.opened;
      expect(worker.renewingLocks).toBe(true);
      await waitUntil(async () => (await queue.getJobState(job.id!)) === 'completed', 10_000);
      expect(stalled).toEqual([]);
      expect(runs).toBe(1);
      // The last job done, the timer stops at its next tick.
      await waitUntil(() => !worker.renewingLocks);
    } finally {
      await worker.close(5000);
    }
  });
});
