import { hostname } from 'node:os';
import type { DependencyState, PingReply } from '@td/contracts';
import { withTimeout } from '../time';

/** Runs a dependency check with a bound, so a hung dependency reads as down (ERR-3). */
export async function probe(check: () => Promise<unknown>, timeoutMs = 1000): Promise<DependencyState> {
  try {
    await withTimeout(check(), timeoutMs, () => new Error('timeout'));
    return 'up';
  } catch {
    return 'down';
  }
}

export const INSTANCE_ID = `${hostname()}:${process.pid}`;

export async function pingReply(service: string, checks: Record<string, () => Promise<unknown>>): Promise<PingReply> {
  const names = Object.keys(checks);
  const states = await Promise.all(names.map((name) => probe(checks[name])));
  return { service, instance: INSTANCE_ID, dependencies: Object.fromEntries(names.map((name, i) => [name, states[i]])) };
}
