import { randomUUID } from 'node:crypto';
import type { INestMicroservice } from '@nestjs/common';
import { ensureEventsStream, eventsStream, prefixed, prefixedName } from '@td/common';
import {
  DomainEvent,
  EmailJob,
  REALTIME_DEVICE_EVENTS,
  Service,
  type DeviceEventPayload,
  type DeviceView,
  type RealtimeDeviceEvent,
} from '@td/contracts';
import { waitUntil, type MailCatcher, type TestEnv } from '@td/testing';
import { Queue } from 'bullmq';
import { connect, JSONCodec, type JetStreamClient, type NatsConnection, type Subscription } from 'nats';
import type { RealDeviceService, TestMailUser } from '../../../../test/support/device-service';
import { NotificationHarness } from '../../test/support/notification.harness';
import { startNotificationService } from '../bootstrap';
import { loadNotificationServiceConfig, type NotificationServiceConfig } from '../config';
import { DeviceEventsHandler } from './device-events.handler';

const codec = JSONCodec();

/** An event about a device of `user` (a real row in device-service, which the mail's address comes from: SEC-2). */
function deviceEvent(user: TestMailUser, overrides: Partial<Omit<DeviceView, 'current'>> = {}): DeviceEventPayload {
  const id = randomUUID().slice(0, 8);
  return {
    eventId: randomUUID(),
    occurredAt: new Date().toISOString(),
    workspaceId: user.workspaceId,
    userId: user.userId,
    user: { email: user.email, username: `user${id}` },
    device: {
      id: randomUUID(),
      name: `Phone <${id}>`,
      clientType: 'mobile',
      os: 'iOS',
      browser: 'Safari',
      fingerprint: 'apple banana cherry delta echo',
      lastIp: '198.51.100.23',
      status: 'approved',
      createdAt: new Date(Date.now() - 60_000).toISOString(),
      approvedAt: new Date().toISOString(),
      disabledAt: null,
      disabledBy: null,
      lastSeenAt: null,
      approvedVia: 'device',
      approvedBy: randomUUID(),
      expiresAt: null,
      ...overrides,
    },
    context: { ip: '192.0.2.10', userAgent: 'test' },
  };
}

/**
 * Two service instances on one durable consumer, as in production with replicas:
 * each event must be handled by exactly one of them.
 */
describe('device events consumer (JetStream → email queue + realtime NATS)', () => {
  let h: NotificationHarness;
  let testEnv: TestEnv;
  let mail: MailCatcher;
  let config: NotificationServiceConfig;
  let apps: INestMicroservice[];
  let nats: NatsConnection;
  let js: JetStreamClient;
  let queue: Queue;
  let devices: RealDeviceService;

  beforeAll(async () => {
    h = await NotificationHarness.start({}, 2);
    ({ testEnv, mail, config, apps, queue, devices } = h);
    nats = await connect({ servers: testEnv.natsUrl, name: 'test-publisher' });
    await ensureEventsStream(nats, testEnv.natsPrefix);
    js = nats.jetstream();
  });

  afterAll(async () => {
    await nats?.drain();
    await h?.stop();
  });

  async function publish(subject: DomainEvent, payload: DeviceEventPayload, msgID: string = randomUUID()): Promise<number> {
    const ack = await js.publish(prefixed(testEnv.natsPrefix, subject), codec.encode(payload), { msgID });
    return ack.seq;
  }

  /** The shared durable consumer has acknowledged everything up to `seq`. */
  async function handledUpTo(seq: number): Promise<void> {
    const jsm = await nats.jetstreamManager();
    const name = prefixedName(testEnv.natsPrefix, Service.notification);
    await waitUntil(async () => {
      const info = await jsm.consumers.info(eventsStream(testEnv.natsPrefix).name, name);
      return info.ack_floor.stream_seq >= seq && info.num_ack_pending === 0;
    }, 15_000);
  }

  function collectRealtime(): { events: RealtimeDeviceEvent[]; subscription: Subscription } {
    const events: RealtimeDeviceEvent[] = [];
    const subscription = nats.subscribe(prefixed(testEnv.natsPrefix, REALTIME_DEVICE_EVENTS), {
      callback: (error, message) => {
        if (!error) events.push(codec.decode(message.data) as RealtimeDeviceEvent);
      },
    });
    return { events, subscription };
  }

  it('APPROVE-4 an approved-device event leads to exactly one security email, even when the event arrives twice', async () => {
    const event = deviceEvent(await devices.addUser());
    const to = event.user.email;
    // Published twice with one id (the outbox relay retrying: the stream drops it), then delivered
    // again under a new id (a re-publish after the duplicate window): the job id stops that one.
    await publish(DomainEvent.deviceApproved, event, event.eventId);
    await publish(DomainEvent.deviceApproved, event, event.eventId);
    const lastSeq = await publish(DomainEvent.deviceApproved, event);

    const message = await mail.waitFor((m) => m.to.includes(to), 15_000);
    expect(message.subject).toBe('A new device was added to your account');
    for (const body of [message.text, message.html]) {
      expect(body).toContain('Mobile app');
      expect(body).toContain('iOS/Safari');
      expect(body).toContain('198.51.100.23');
      expect(body).toContain('from one of your trusted devices');
      expect(body).toContain('My trusted devices');
      expect(body).toContain(`${config.email.webAppUrl}/profile`);
    }
    expect(message.html).toContain(event.device.name.replace('<', '&lt;').replace('>', '&gt;'));
    expect(message.text).toContain(event.device.name);

    await handledUpTo(lastSeq);
    await waitUntil(async () => {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed');
      return counts.waiting + counts.active + counts.delayed === 0;
    });
    const jobs = (await queue.getJobs(['completed', 'failed'])).filter(
      (job) => job.name === EmailJob.deviceApproved && job.data.userId === event.userId,
    );
    expect(jobs.map((job) => job.id)).toEqual([event.eventId]);
    expect(mail.messages.filter((m) => m.to.includes(to))).toHaveLength(1);
  });

  it('APPROVE-4 a device approved with the email code says so in the security email', async () => {
    const event = deviceEvent(await devices.addUser(), {
      clientType: 'extension',
      approvedVia: 'email_code',
      approvedBy: null,
      os: 'macOS',
      browser: 'Chrome',
    });
    await publish(DomainEvent.deviceApproved, event);
    const message = await mail.waitFor((m) => m.to.includes(event.user.email), 15_000);
    expect(message.text).toContain('with a code sent to your email');
    expect(message.text).toContain('Browser extension');
    expect(message.text).toContain('macOS/Chrome');
  });

  it('SEC-2 the security email goes to the address device-service holds when it is sent, not one carried in the event or job', async () => {
    const user = await devices.addUser();
    const stale = `stale-${randomUUID().slice(0, 8)}@example.test`;
    const event = { ...deviceEvent(user), user: { email: stale, username: 'stale' } };
    await publish(DomainEvent.deviceApproved, event);
    const message = await mail.waitFor((m) => m.to.includes(user.email), 15_000);
    expect(message.subject).toBe('A new device was added to your account');
    const [job] = (await queue.getJobs(['completed', 'failed', 'waiting', 'active', 'delayed'])).filter((j) => j.id === event.eventId);
    expect(job.data).toMatchObject({ workspaceId: user.workspaceId, userId: user.userId });
    expect(JSON.stringify(job.data)).not.toContain('@');
    expect(mail.messages.filter((m) => m.to.includes(stale))).toHaveLength(0);
  });

  it('APPROVE-1 a device event on JetStream is re-published once on the realtime subject with its SSE event name', async () => {
    const { events, subscription } = collectRealtime();
    try {
      const pending = deviceEvent(await devices.addUser(), {
        status: 'pending_approval',
        approvedAt: null,
        approvedVia: null,
        approvedBy: null,
      });
      const seq = await publish(DomainEvent.deviceApprovalRequested, pending);

      const received = await waitUntil(() => events.find((e) => e.devices[0].id === pending.device.id), 15_000);
      expect(received).toEqual({ event: 'device.pending_approval', userId: pending.userId, devices: [pending.device] });

      await handledUpTo(seq);
      await nats.flush();
      // Two instances, one durable consumer: the event was handled by one of them only.
      expect(events.filter((e) => e.devices[0].id === pending.device.id)).toHaveLength(1);
      // Not an approval: no security email.
      expect(mail.messages.filter((m) => m.to.includes(pending.user.email))).toHaveLength(0);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('APPROVE-1 every device event keeps its order and maps to its SSE name (KEY-5 ends streams on disabled/denied/expired)', async () => {
    const { events, subscription } = collectRealtime();
    try {
      const base = deviceEvent(await devices.addUser());
      const sequence: Array<[DomainEvent, string]> = [
        [DomainEvent.deviceApprovalRequested, 'device.pending_approval'],
        [DomainEvent.deviceApproved, 'device.approved'],
        [DomainEvent.deviceDenied, 'device.denied'],
        [DomainEvent.deviceDisabled, 'device.disabled'],
        [DomainEvent.deviceExpired, 'device.expired'],
      ];
      for (const [subject] of sequence) await publish(subject, { ...base, eventId: randomUUID() });

      await waitUntil(() => events.filter((e) => e.devices[0].id === base.device.id).length >= sequence.length, 15_000);
      expect(events.filter((e) => e.devices[0].id === base.device.id).map((e) => e.event)).toEqual(sequence.map(([, name]) => name));
    } finally {
      subscription.unsubscribe();
    }
  });

  it('APPROVE-4 events published while the service is down are handled once it is back (durable consumer)', async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    const event = deviceEvent(await devices.addUser());
    await publish(DomainEvent.deviceApproved, event);

    apps.push(await startNotificationService(config));
    const message = await mail.waitFor((m) => m.to.includes(event.user.email), 15_000);
    expect(message.subject).toBe('A new device was added to your account');
  });

  it('APPROVE-4 an event held by an instance that stops is handed back: another instance sends the security email at once, once (issue 10)', async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    const event = deviceEvent(await devices.addUser());
    // The stopping instance gets the event and never finishes it (a handler stuck on a dependency).
    const stopping = await startNotificationService(
      loadNotificationServiceConfig({ ...testEnv.env, SMTP_URL: mail.url, SHUTDOWN_DRAIN_MS: '500' }),
    );
    const handler = stopping.get(DeviceEventsHandler);
    const handle = handler.handle.bind(handler);
    let release: () => void = () => undefined;
    const stuck = new Promise<never>((_, reject) => (release = () => reject(new Error('released'))));
    const held = jest
      .spyOn(handler, 'handle')
      .mockImplementation((subject, events) => (events[0].eventId === event.eventId ? stuck : handle(subject, events)));
    const seq = await publish(DomainEvent.deviceApproved, event);
    await waitUntil(() => held.mock.calls.some(([, events]) => events[0].eventId === event.eventId), 15_000);

    apps.push(await startNotificationService(config));
    const closing = stopping.close();
    try {
      // Well under the 30 s a held event used to block every device event for.
      const message = await mail.waitFor((m) => m.to.includes(event.user.email), 12_000);
      expect(message.subject).toBe('A new device was added to your account');
      await closing;
    } finally {
      release();
      await closing;
    }

    await handledUpTo(seq);
    await waitUntil(async () => {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed');
      return counts.waiting + counts.active + counts.delayed === 0;
    });
    const jobs = (await queue.getJobs(['completed', 'failed'])).filter((job) => job.data.userId === event.userId);
    expect(jobs.map((job) => job.id)).toEqual([event.eventId]);
    expect(mail.messages.filter((m) => m.to.includes(event.user.email))).toHaveLength(1);
  }, 45_000);
});
