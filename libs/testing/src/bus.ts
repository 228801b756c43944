import { BusClient } from '@td/common';
import { connect, type NatsConnection } from 'nats';
import type { TestEnv } from './isolation';

/** A typed bus client under the test file's NATS prefix, to drive a service's commands directly. */
export async function connectBus(
  testEnv: TestEnv,
  timeoutMs = 5000,
): Promise<{ bus: BusClient; nats: NatsConnection; close(): Promise<void> }> {
  const nats = await connect({ servers: testEnv.natsUrl, name: 'test-client' });
  return { bus: new BusClient(nats, testEnv.natsPrefix, timeoutMs), nats, close: () => nats.drain() };
}
