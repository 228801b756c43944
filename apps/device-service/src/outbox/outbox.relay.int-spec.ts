import { randomUUID } from 'node:crypto';
import { eventsStream } from '@td/common';
import { DomainEvent, type UserDeprovisionedPayload } from '@td/contracts';
import { waitUntil, type TestEnv } from '@td/testing';
import { connect, type NatsConnection } from 'nats';
import { Client } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { MigratedDatabase } from '../../test/support/migrated-database';
import { loadDeviceServiceConfig } from '../config';
import { OutboxRelay } from './outbox.relay';
import { OutboxRepository, type OutgoingEvent } from './outbox.repository';

interface StreamedMessage {
  subject: string;
  msgId: string | undefined;
  data: UserDeprovisionedPayload;
}

describe('OutboxRelay (Postgres + JetStream)', () => {
  let database: MigratedDatabase;
  let testEnv: TestEnv;
  const connections: NatsConnection[] = [];
  const relays: OutboxRelay[] = [];
  let db: DataSource;
  let nats: NatsConnection;

  beforeAll(async () => {
    database = await MigratedDatabase.start();
    ({ testEnv } = database);
    db = await openDataSource();
    nats = await openNats();
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
    await db.query('DELETE FROM outbox');
    const jsm = await nats.jetstreamManager();
    await jsm.streams.purge(eventsStream(testEnv.natsPrefix).name).catch(() => undefined);
  });

  afterAll(async () => {
    await Promise.all(connections.map((connection) => connection.close()));
    await database.cleanup();
  });

  const openDataSource = () => database.openDataSource();

  async function openNats(): Promise<NatsConnection> {
    const connection = await connect({ servers: testEnv.natsUrl });
    connections.push(connection);
    return connection;
  }

  async function startRelay(
    options: {
      pollIntervalMs?: number;
      /** Default: the same as pollIntervalMs, so a test that does not look at it never waits for the slow poll. */
      idlePollIntervalMs?: number;
      batchSize?: number;
      source?: DataSource;
      connection?: NatsConnection;
      repository?: OutboxRepository;
    } = {},
  ): Promise<OutboxRelay> {
    const { source, connection, repository, pollIntervalMs = 500, idlePollIntervalMs = pollIntervalMs, batchSize } = options;
    const relayConfig = loadDeviceServiceConfig({
      ...testEnv.env,
      OUTBOX_POLL_INTERVAL_MS: String(pollIntervalMs),
      OUTBOX_IDLE_POLL_INTERVAL_MS: String(idlePollIntervalMs),
      ...(batchSize === undefined ? {} : { OUTBOX_BATCH_SIZE: String(batchSize) }),
    });
    const relay = new OutboxRelay(source ?? db, connection ?? nats, repository ?? new OutboxRepository(), relayConfig);
    relays.push(relay);
    relay.start();
    return relay;
  }

  function events(count: number): OutgoingEvent<typeof DomainEvent.userDeprovisioned>[] {
    return Array.from({ length: count }, () => ({
      subject: DomainEvent.userDeprovisioned,
      payload: { eventId: randomUUID(), occurredAt: new Date().toISOString(), workspaceId: 'ws-1', userId: randomUUID() },
    }));
  }

  async function commit(batch: OutgoingEvent[]): Promise<void> {
    await db.transaction((manager) => new OutboxRepository().append(manager, batch));
  }

  async function unpublished(): Promise<number> {
    const [row] = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`);
    return row.n;
  }

  async function readStream(): Promise<StreamedMessage[]> {
    const { name } = eventsStream(testEnv.natsPrefix);
    const jsm = await nats.jetstreamManager();
    const total = (await jsm.streams.info(name)).state.messages;
    if (total === 0) return [];
    const consumer = await nats.jetstream().consumers.get(name);
    const messages: StreamedMessage[] = [];
    const batch = await consumer.fetch({ max_messages: total, expires: 2000 });
    for await (const message of batch) {
      messages.push({
        subject: message.subject,
        msgId: message.headers?.get('Nats-Msg-Id'),
        data: message.json<UserDeprovisionedPayload>(),
      });
      if (messages.length === total) break;
    }
    return messages;
  }

  it('publishes committed rows once, with the row id as msgID, woken by the commit itself', async () => {
    // A poll far longer than the test: only the commit's NOTIFY can wake the relay in time.
    const relay = await startRelay({ pollIntervalMs: 60_000 });
    await relay.listening;
    const batch = events(5);
    const committedAt = Date.now();
    await commit(batch);
    await waitUntil(async () => (await unpublished()) === 0, 3000, 20);
    expect(Date.now() - committedAt).toBeLessThan(2000);

    const streamed = await readStream();
    expect(streamed).toHaveLength(5);
    expect(streamed.map((m) => m.msgId)).toEqual(batch.map((e) => e.payload.eventId));
    expect(streamed.map((m) => m.data)).toEqual(batch.map((e) => e.payload));
    expect(new Set(streamed.map((m) => m.subject))).toEqual(new Set([`${testEnv.natsPrefix}.${DomainEvent.userDeprovisioned}`]));
    expect(relay.stats).toMatchObject({ published: 5, duplicates: 0 });
  });

  it('runs no pass for a commit whose rows a pass already claimed (its NOTIFY came late; issue 12)', async () => {
    const relay = await startRelay({ pollIntervalMs: 60_000 });
    await relay.listening;
    await commit(events(1));
    await waitUntil(async () => (await unpublished()) === 0, 3000, 20);
    const [{ seq }] = await db.query(`SELECT max(seq)::text AS seq FROM outbox`);
    const { passes, emptyPasses } = relay.stats;
    // A late announcement of the row already published, then a new commit, delivered together: what a
    // busy system does all the time (commits announced while a pass that reads them runs).
    await db.transaction(async (manager) => {
      await manager.query(`SELECT pg_notify('outbox_committed', $1)`, [seq]);
      await new OutboxRepository().append(manager, events(1));
    });
    await waitUntil(async () => (await unpublished()) === 0 && relay.stats.published === 2, 3000, 20);
    await relay.stop();
    expect(relay.stats.passes - passes).toBe(1);
    expect(relay.stats.emptyPasses - emptyPasses).toBe(0);
  });

  it('a commit announces only the rows it wrote unpublished: rows written already published wake no relay (issue 12)', async () => {
    const listener = new Client({ connectionString: testEnv.databaseUrl });
    await listener.connect();
    try {
      const announced: string[] = [];
      listener.on('notification', (message) => announced.push(message.payload ?? ''));
      await listener.query('LISTEN outbox_committed');
      await db.query(
        `INSERT INTO outbox (id, subject, payload, created_at, published_at, attempts) VALUES (gen_random_uuid(), 'elsewhere', '{}', now(), now(), 0)`,
      );
      await commit(events(1));
      const [{ seq }] = await db.query(`SELECT max(seq)::text AS seq FROM outbox WHERE published_at IS NULL`);
      // Notifications arrive in commit order: once the second commit's is here, the first one's would be too.
      await waitUntil(() => announced.length > 0, 3000, 10);
      expect(announced).toEqual([seq]);
    } finally {
      await listener.end();
    }
  });

  it('does not publish the rows of a rolled-back transaction', async () => {
    const relay = await startRelay({ pollIntervalMs: 100 });
    await db
      .transaction(async (manager) => {
        await new OutboxRepository().append(manager, events(3));
        throw new Error('roll back');
      })
      .catch(() => undefined);
    const kept = events(1);
    await commit(kept);
    await waitUntil(async () => (await unpublished()) === 0 && relay.stats.published === 1);
    expect((await readStream()).map((m) => m.msgId)).toEqual([kept[0].payload.eventId]);
  });

  it('a row published again after a crash before it was marked is deduplicated by its msgID', async () => {
    const relay = await startRelay({ pollIntervalMs: 100 });
    const batch = events(3);
    await commit(batch);
    await waitUntil(async () => (await unpublished()) === 0);
    // The crash: the publish reached JetStream but the mark never committed.
    await db.query(`UPDATE outbox SET published_at = NULL WHERE id = $1`, [batch[1].payload.eventId]);
    await waitUntil(async () => (await unpublished()) === 0 && relay.stats.duplicates === 1);

    const streamed = await readStream();
    expect(streamed.map((m) => m.msgId)).toEqual(batch.map((e) => e.payload.eventId));
    expect(relay.stats).toMatchObject({ published: 3, duplicates: 1 });
  });

  it('two relays running concurrently publish each row exactly once', async () => {
    const [sourceA, sourceB] = await Promise.all([openDataSource(), openDataSource()]);
    const [natsA, natsB] = await Promise.all([openNats(), openNats()]);
    const a = await startRelay({ source: sourceA, connection: natsA, batchSize: 7, pollIntervalMs: 50 });
    const b = await startRelay({ source: sourceB, connection: natsB, batchSize: 7, pollIntervalMs: 50 });
    const written: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      const batch = events(10);
      written.push(...batch.map((e) => e.payload.eventId));
      await commit(batch);
    }
    await waitUntil(async () => (await unpublished()) === 0, 15000);

    // Duplicates would be hidden by the stream's dedupe, so count what each relay sent as well.
    expect(a.stats.published + b.stats.published).toBe(300);
    expect(a.stats.duplicates + b.stats.duplicates).toBe(0);
    const streamed = await readStream();
    expect(streamed).toHaveLength(300);
    expect(new Set(streamed.map((m) => m.msgId))).toEqual(new Set(written));
  });

  it('issue 12: at rest the poll slows down, but not while a relay holds unpublished rows, which are published once it dies', async () => {
    const batch = events(3);
    await commit(batch);
    // Another relay mid-batch: it has claimed the committed rows when this one starts.
    const holder = new Client({ connectionString: testEnv.databaseUrl });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`SELECT id FROM outbox WHERE published_at IS NULL FOR UPDATE`);
    const relay = await startRelay({ pollIntervalMs: 100, idlePollIntervalMs: 3_600_000 });
    await relay.listening;
    // Its quick polls see the held rows (a plain read), so it keeps polling quickly ...
    const pollsBefore = relay.stats.polls;
    await waitUntil(() => relay.stats.polls >= pollsBefore + 3);
    expect(relay.pollingSlowly).toBe(false);
    expect(relay.stats.published).toBe(0);
    // ... and when the holder dies (its claim rolls back, nobody announces the rows), it publishes them.
    await holder.end();
    await waitUntil(async () => (await unpublished()) === 0);
    expect((await readStream()).map((m) => m.msgId)).toEqual(batch.map((e) => e.payload.eventId));
    // Nothing unpublished and nothing announced since: only the slow poll is left.
    await waitUntil(() => relay.pollingSlowly);
    // A commit is still published at once (its NOTIFY), and the poll is quick again until it is.
    const next = events(1);
    await commit(next);
    await waitUntil(async () => (await unpublished()) === 0 && relay.stats.published === 4);
    await waitUntil(() => relay.pollingSlowly);
  });

  it('backs off without crashing while NATS is unreachable, keeps the rows, and stops promptly', async () => {
    const dead = await openNats();
    await dead.close();
    const relay = await startRelay({ connection: dead, pollIntervalMs: 50 });
    const batch = events(2);
    await commit(batch);
    // It has tried and backed off twice (the second time from its retry timer), and still holds the rows.
    await waitUntil(() => relay.stats.backOffs >= 2);
    expect(await unpublished()).toBe(2);
    const stopStarted = Date.now();
    await relay.stop();
    expect(Date.now() - stopStarted).toBeLessThan(1000);

    // A healthy relay picks the same rows up afterwards.
    await startRelay({ pollIntervalMs: 50 });
    await waitUntil(async () => (await unpublished()) === 0);
    expect((await readStream()).map((m) => m.msgId)).toEqual(batch.map((e) => e.payload.eventId));
  });

  it('a row committed after rows written later were published is still published at once, woken by its own commit', async () => {
    const relay = await startRelay({ pollIntervalMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 500)); // its LISTEN connection is up
    const early = events(1);
    const late = events(2);
    // The first transaction takes the lower seq but commits last.
    const slow = db.createQueryRunner();
    await slow.connect();
    await slow.startTransaction();
    try {
      await new OutboxRepository().append(slow.manager, early);
      await commit(late);
      await waitUntil(async () => relay.stats.published === 2, 3000, 20);
      await slow.commitTransaction();
    } finally {
      await slow.release();
    }
    await waitUntil(async () => (await unpublished()) === 0, 3000, 20);
    expect(relay.stats).toMatchObject({ published: 3, duplicates: 0 });
    expect(new Set((await readStream()).map((m) => m.msgId))).toEqual(new Set([...late, ...early].map((e) => e.payload.eventId)));
  });

  it('issue 12: a relay pass woken by a commit does not step over the index entries of rows already published', async () => {
    // An open snapshot (any long transaction of a busy system) keeps the published rows'
    // old versions, and so their entries in the unpublished-rows index, alive.
    const holder = db.createQueryRunner();
    await holder.connect();
    await holder.startTransaction('REPEATABLE READ');
    try {
      await holder.query('SELECT 1 FROM outbox LIMIT 1');
      const starts: number[] = [];
      const repository = new (class extends OutboxRepository {
        override claimUnpublished(manager: EntityManager, limit: number, afterSeq?: number) {
          starts.push(afterSeq ?? 0);
          return super.claimUnpublished(manager, limit, afterSeq);
        }
      })();
      const relay = await startRelay({ pollIntervalMs: 60_000, repository });
      await new Promise((resolve) => setTimeout(resolve, 500)); // its LISTEN connection is up
      for (let i = 0; i < 15; i += 1) await commit(events(100));
      await waitUntil(async () => (await unpublished()) === 0, 15000, 50);
      starts.length = 0;
      await commit(events(1));
      await waitUntil(async () => relay.stats.published === 1501, 3000, 20);

      // The pass that found the new row started past every published row.
      expect(starts.length).toBeGreaterThan(0);
      const [{ n: skipped }] = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE seq <= $1`, [starts[0]]);
      expect(skipped).toBe(1500);
      // From there the index yields one entry; from the head it yields every dead one too.
      expect(await indexEntriesRead(starts[0])).toBeLessThan(10);
      expect(await indexEntriesRead(0)).toBeGreaterThanOrEqual(1500);
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
  });

  /** Entries the claim query reads from the unpublished-rows index when it starts after `afterSeq` (EXPLAIN ANALYZE; it changes nothing). */
  async function indexEntriesRead(afterSeq: number): Promise<number> {
    return db.transaction(async (manager) => {
      const [row] = await manager.query(
        `EXPLAIN (ANALYZE, FORMAT JSON) SELECT id FROM outbox WHERE published_at IS NULL AND seq > $1 ORDER BY seq LIMIT 100 FOR UPDATE SKIP LOCKED`,
        [afterSeq],
      );
      const find = (node: Record<string, unknown>): number => {
        if (node['Index Name'] === 'outbox_unpublished_idx') return node['Actual Rows'] as number;
        for (const child of (node.Plans as Array<Record<string, unknown>>) ?? []) {
          const found = find(child);
          if (found >= 0) return found;
        }
        return -1;
      };
      const plan = row['QUERY PLAN'][0].Plan as Record<string, unknown>;
      const read = find(plan);
      if (read < 0) throw new Error(`the claim query does not use outbox_unpublished_idx: ${JSON.stringify(plan)}`);
      return read;
    });
  }

  it('prunes rows published longer ago than the retention', async () => {
    const batch = events(2);
    await commit(batch);
    await db.query(`UPDATE outbox SET published_at = now() - interval '25 hours' WHERE id = $1`, [batch[0].payload.eventId]);
    await startRelay({ pollIntervalMs: 50 });
    await waitUntil(async () => {
      const rows: Array<{ id: string }> = await db.query(`SELECT id FROM outbox`);
      return rows.length === 1 && rows[0].id === batch[1].payload.eventId;
    });
  });
});
