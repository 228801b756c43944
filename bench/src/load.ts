import { performance } from 'node:perf_hooks';

export interface LoadResult {
  name: string;
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  statuses: Record<number, number>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Runs `requests` prepared calls with `concurrency` clients in flight, and measures
 * throughput and latency. Each call resolves with the HTTP status.
 */
export async function runLoad(name: string, calls: Array<() => Promise<number>>, concurrency: number, expected: number[]): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls.length) {
        const call = calls[next++];
        const t0 = performance.now();
        const status = await call().catch(() => 0);
        latencies.push(performance.now() - t0);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (!expected.includes(status)) errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { name, requests: calls.length, errors, seconds, perSecond: calls.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), statuses };
}

export function printResult(result: LoadResult): void {
  const statuses = Object.entries(result.statuses).map(([s, n]) => `${s}×${n}`).join(' ');
  console.log(
    `${result.name.padEnd(22)} ${result.perSecond.toFixed(0).padStart(6)} req/s   p50 ${result.p50.toFixed(1).padStart(6)} ms   p99 ${result.p99
      .toFixed(1)
      .padStart(6)} ms   (${result.requests} requests in ${result.seconds.toFixed(1)} s; ${statuses}${result.errors ? `; ${result.errors} unexpected` : ''})`,
  );
}
