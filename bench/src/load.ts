import { performance } from 'node:perf_hooks';

export interface LoadResult {
  /** Operations (requests or flows) run, and those that did not end as expected. */
  ops: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  statuses: Record<number, number>;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Runs the operations with `concurrency` clients in flight, and measures throughput and
 * latency. Each operation resolves with the HTTP status of its last step (0 = threw).
 */
export async function runLoad(operations: Array<() => Promise<number>>, concurrency: number, expected: number[]): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < operations.length) {
        const operation = operations[next++];
        const t0 = performance.now();
        const status = await operation().catch(() => 0);
        latencies.push(performance.now() - t0);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (!expected.includes(status)) errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    ops: operations.length,
    errors,
    seconds,
    perSecond: operations.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    statuses,
  };
}
