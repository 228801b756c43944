import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ is 100 on Linux: /proc times are in 10 ms ticks. */
const TICK_MS = 10;

interface ProcessSample {
  name: string;
  ticks: number;
}

/**
 * CPU time per process, read from /proc as `../shared/tools/cpu-by-process` does, but only
 * for the processes of this run: descendants of the given roots (the system under test,
 * the floor), Postgres backends of this run's database, and Redis and NATS (which other
 * users of the machine share: their figures include whatever else runs).
 */
export class CpuMeter {
  constructor(
    private readonly roots: () => Array<{ pid: number; label: string }>,
    private readonly database: string,
  ) {}

  sample(): Map<number, ProcessSample> {
    const stats = new Map<number, { ppid: number; ticks: number; cmdline: string }>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
        stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), cmdline });
      } catch {
        // the process ended between the listing and the read
      }
    }
    const labels = new Map(this.roots().map(({ pid, label }) => [pid, label]));
    const samples = new Map<number, ProcessSample>();
    for (const [pid, stat] of stats) {
      const name = this.group(pid, stat.cmdline, stats, labels);
      if (name) samples.set(pid, { name, ticks: stat.ticks });
    }
    return samples;
  }

  /** Milliseconds of CPU per group between two samples, largest first. */
  static delta(before: Map<number, ProcessSample>, after: Map<number, ProcessSample>): Record<string, number> {
    const totals = new Map<string, number>();
    for (const [pid, { name, ticks }] of after) {
      const used = ticks - (before.get(pid)?.ticks ?? 0);
      if (used > 0) totals.set(name, (totals.get(name) ?? 0) + used * TICK_MS);
    }
    return Object.fromEntries([...totals].sort((a, b) => b[1] - a[1]));
  }

  private group(
    pid: number,
    cmdline: string,
    stats: Map<number, { ppid: number; cmdline: string }>,
    labels: Map<number, string>,
  ): string | null {
    if (/^postgres: /.test(cmdline)) return cmdline.split(' ').includes(this.database) ? 'postgres' : null;
    if (cmdline.includes('redis-server')) return 'redis (shared)';
    if (cmdline.includes('nats-server')) return 'nats (shared)';
    // Walk up to one of our roots; the nearest named process below it names the group.
    let current = pid;
    for (let depth = 0; depth < 12 && current > 1; depth++) {
      const label = labels.get(current);
      if (label !== undefined) {
        if (current === pid) return label;
        const app = /dist\/apps\/([^/]+)\/src\/([^/ ]+)\.js/.exec(cmdline);
        if (app) return app[2] === 'main' ? app[1] : `${app[1]}:${app[2]}`;
        return `${label} (child)`;
      }
      current = stats.get(current)?.ppid ?? 0;
    }
    return null;
  }
}
