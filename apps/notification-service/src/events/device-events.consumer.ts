import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { backoffMs, ensureEventsStream, eventsStream, NATS_CONNECTION, prefixed, prefixedName, settlesWithin } from '@td/common';
import { Service } from '@td/contracts';
import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import { MalformedEventError, parseDeviceEvents } from './device-event.guard';
import { DeviceEventsHandler } from './device-events.handler';
import { NotificationServiceConfig } from '../config';

/** Device events only: user events are device-service's business. */
const DEVICE_EVENTS = 'events.device.>';
const MAX_RESTART_DELAY_MS = 5000;
const MAX_NAK_DELAY_MS = 30_000;

const NANOS_PER_MS = 1_000_000;
/** Bound on NATS/JetStream management calls at start. */
const MANAGEMENT_TIMEOUT_MS = 3000;

/**
 * The durable JetStream consumer of device events. Every instance pulls from the
 * same durable consumer, so the work is shared and each event handled by one of
 * them, in stream order; an event is acked only once it was fully handled, and
 * redelivered (with a growing delay) otherwise. When NATS goes away the loop waits
 * and starts again.
 */
@Injectable()
export class DeviceEventsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DeviceEventsConsumer.name);
  private readonly stream: string;
  private readonly durable: string;
  private stopped = true;
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  /** The event being handled, until it is settled (acked, naked or termed) once. */
  private inHand: InHand | null = null;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    private readonly handler: DeviceEventsHandler,
    private readonly config: NotificationServiceConfig,
  ) {
    this.stream = eventsStream(config.nats.prefix).name;
    this.durable = prefixedName(config.nats.prefix, Service.notification);
  }

  onApplicationBootstrap(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /**
   * Stops pulling and finishes the event in hand if it can within the shutdown drain; otherwise hands
   * it back (nak, no delay) so another instance takes it at once instead of after the ack wait: with
   * one event in hand across all instances, a held event holds up every device event behind it.
   * Runs before the NATS connection drains, so the nak reaches the server.
   */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.messages?.stop();
    if (this.loop && !(await settlesWithin(this.loop, this.config.process.shutdownDrainMs))) {
      const held = this.inHand;
      if (held && settle(held)) {
        this.logger.warn({ msg: 'Device event not finished within the shutdown drain; handed back', seq: held.message.seq });
        held.message.nak();
      }
    }
    this.loop = null;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.consume(() => (failures = 0));
      } catch (error) {
        failures += 1;
        if (!this.stopped)
          this.logger.warn({ msg: 'Device event consumer stopped; restarting', reason: (error as Error).message, failures });
      }
      if (!this.stopped) await this.sleep(backoffMs(failures, 200, MAX_RESTART_DELAY_MS));
    }
  }

  private async consume(onReady: () => void): Promise<void> {
    await ensureEventsStream(this.nats, this.config.nats.prefix, this.config.nats.streamReplicas);
    const jsm = await this.nats.jetstreamManager({ timeout: MANAGEMENT_TIMEOUT_MS });
    await jsm.consumers
      .add(this.stream, {
        durable_name: this.durable,
        deliver_policy: DeliverPolicy.All,
        ack_policy: AckPolicy.Explicit,
        ack_wait: this.config.events.ackWaitMs * NANOS_PER_MS,
        filter_subject: prefixed(this.config.nats.prefix, DEVICE_EVENTS),
        max_deliver: -1,
        // One event in hand at a time across all instances: the realtime events of a device reach
        // the gateways in the order they happened (pending → approved → disabled), whichever
        // instance handles each. Device events are few; order matters more than parallelism here.
        max_ack_pending: 1,
      })
      .catch(async (error: Error) => {
        // Another instance made it first (or it survives from an earlier run): use it, with this ack wait.
        const existing = await jsm.consumers.info(this.stream, this.durable).catch(() => null);
        if (!existing) throw error;
        if (existing.config.ack_wait !== this.config.events.ackWaitMs * NANOS_PER_MS) {
          await jsm.consumers.update(this.stream, this.durable, { ack_wait: this.config.events.ackWaitMs * NANOS_PER_MS });
        }
      });
    if (this.stopped) return;
    const consumer = await this.nats.jetstream().consumers.get(this.stream, this.durable);
    // One event at a time is all the server hands out (max_ack_pending 1), so ask for one: a batch of 10 was
    // refilled two events at a time, leaving several pull requests waiting on the server after a burst, each
    // expiring and heartbeating on its own at rest (7 after a 20,000-device cascade; issue 12). The next
    // request goes out when an event arrives, before it is handled, so the next event follows its ack at once.
    this.messages = await consumer.consume({ max_messages: 1 });
    onReady();
    try {
      if (this.stopped) return;
      for await (const message of this.messages) {
        // Delivered after the stop (the rest of a batch): back to the consumer at once, for another instance.
        if (this.stopped) message.nak();
        else await this.handleMessage(message);
      }
    } finally {
      this.messages.stop();
      this.messages = null;
    }
  }

  /**
   * Handles one delivered event and settles it: ack, nak with a delay (retry), or term (never retryable).
   * While it runs, the ack wait is extended (`working`) every half of it, so a slow but live handler keeps
   * its event; a settled event (handed back at shutdown) is not settled again.
   */
  async handleMessage(message: JsMsg): Promise<void> {
    const subject = withoutPrefix(this.config.nats.prefix, message.subject);
    const where = { subject, seq: message.seq, redelivery: message.info.redeliveryCount };
    const held: InHand = { message, settled: false };
    this.inHand = held;
    const working = setInterval(() => {
      if (!held.settled) message.working();
    }, this.config.events.ackWaitMs / 2).unref();
    try {
      await this.handler.handle(subject, parseDeviceEvents(message.data));
      if (settle(held)) message.ack();
    } catch (error) {
      if (!settle(held)) return;
      if (error instanceof MalformedEventError) {
        // No retry can fix it; keep it out of the way of the events behind it.
        this.logger.error({ ...where, msg: 'Dropped a device event', reason: error.message });
        message.term(error.message);
        return;
      }
      const delayMs = redeliveryDelayMs(message.info.redeliveryCount);
      this.logger.warn({ ...where, msg: 'Device event not handled; redelivery scheduled', reason: (error as Error).message, delayMs });
      message.nak(delayMs);
    } finally {
      clearInterval(working);
      if (this.inHand === held) this.inHand = null;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

interface InHand {
  message: JsMsg;
  settled: boolean;
}

/** Marks the event settled; false if it already was (it must be acked, naked or termed once). */
function settle(held: InHand): boolean {
  if (held.settled) return false;
  held.settled = true;
  return true;
}

/** `t1.events.device.approved` → `events.device.approved`. */
export function withoutPrefix(prefix: string, subject: string): string {
  return prefix && subject.startsWith(`${prefix}.`) ? subject.slice(prefix.length + 1) : subject;
}

/** 1 s, 2 s, 4 s … up to 30 s between deliveries of an event that keeps failing. */
export function redeliveryDelayMs(deliveryCount: number): number {
  return backoffMs(Math.max(deliveryCount, 1) - 1, 1000, MAX_NAK_DELAY_MS);
}
