import { testId } from '@td/testing';
import { connect, type NatsConnection } from 'nats';
import { ensureEventsStream, eventsStream } from './jetstream';

describe('ensureEventsStream (NATS_STREAM_REPLICAS)', () => {
  let nats: NatsConnection;
  const prefix = testId();

  beforeAll(async () => {
    nats = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'jetstream-int-spec' });
  });
  afterAll(async () => {
    const jsm = await nats.jetstreamManager();
    await jsm.streams.delete(eventsStream(prefix).name).catch(() => undefined);
    await nats.drain();
  });

  it('creates the event stream with one copy by default', async () => {
    await ensureEventsStream(nats, prefix);
    const info = await (await nats.jetstreamManager()).streams.info(eventsStream(prefix).name);
    expect(info.config.num_replicas).toBe(1);
  });

  it('asks JetStream for the configured number of copies (3 is refused by a single, unclustered server)', async () => {
    const other = testId();
    await expect(ensureEventsStream(nats, other, 3)).rejects.toThrow(/replicas/i);
    const names: string[] = [];
    for await (const name of (await nats.jetstreamManager()).streams.names()) names.push(name);
    expect(names).not.toContain(eventsStream(other).name);
  });
});
