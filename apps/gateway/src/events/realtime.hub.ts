import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { NATS_CONNECTION, prefixed } from '@td/common';
import { REALTIME_DEVICE_EVENTS, type RealtimeDeviceEvent } from '@td/contracts';
import { JSONCodec, type NatsConnection, type Subscription } from 'nats';
import { CONFIG, type GatewayEnv } from '../config';

/** Comments keep proxies and clients from timing an idle stream out. */
export const HEARTBEAT_MS = 15_000;

/** Events after which the device that holds a stream is no longer trusted (KEY-5): its stream ends. */
const ENDING_EVENTS = new Set(['device.disabled', 'device.denied', 'device.expired']);

/** One open `GET /v1/events` response. */
export interface EventStream {
  userId: string;
  deviceId: string;
  write(chunk: string): void;
  end(): void;
}

const codec = JSONCodec<RealtimeDeviceEvent>();

/**
 * Fans the realtime device events out to this instance's SSE streams (APPROVE-1).
 * One core-NATS subscription per process, without a queue group, so every gateway
 * instance gets every event and serves its own streams.
 */
@Injectable()
export class RealtimeHub implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RealtimeHub.name);
  private readonly streamsByUser = new Map<string, Set<EventStream>>();
  private subscription?: Subscription;
  private heartbeat?: NodeJS.Timeout;
  private closing = false;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    @Inject(CONFIG) private readonly config: GatewayEnv,
  ) {}

  onModuleInit(): void {
    this.subscription = this.nats.subscribe(prefixed(this.config.NATS_PREFIX, REALTIME_DEVICE_EVENTS), {
      callback: (error, message) => {
        if (error) return this.logger.warn(`realtime subscription: ${error.message}`);
        try {
          this.dispatch(codec.decode(message.data));
        } catch (cause) {
          this.logger.warn(`dropped a malformed realtime event: ${(cause as Error).message}`);
        }
      },
    });
    this.heartbeat = setInterval(() => this.forEachStream((stream) => stream.write(': heartbeat\n\n')), HEARTBEAT_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
    this.subscription?.unsubscribe();
    this.closeAll();
  }

  /** Ends every open stream, and any opened from now on: open streams would keep the HTTP server from closing. */
  closeAll(): void {
    this.closing = true;
    this.forEachStream((stream) => this.close(stream));
  }

  get openStreams(): number {
    let count = 0;
    for (const streams of this.streamsByUser.values()) count += streams.size;
    return count;
  }

  add(stream: EventStream): void {
    if (this.closing) return stream.end();
    const streams = this.streamsByUser.get(stream.userId) ?? new Set<EventStream>();
    streams.add(stream);
    this.streamsByUser.set(stream.userId, streams);
  }

  remove(stream: EventStream): void {
    const streams = this.streamsByUser.get(stream.userId);
    if (!streams?.delete(stream)) return;
    if (streams.size === 0) this.streamsByUser.delete(stream.userId);
  }

  dispatch(event: RealtimeDeviceEvent): void {
    const streams = this.streamsByUser.get(event.userId);
    if (!streams || typeof event.event !== 'string' || !/^[a-z._]+$/.test(event.event) || !event.device?.id) return;
    for (const stream of [...streams]) {
      const current = event.device.id === stream.deviceId;
      stream.write(`event: ${event.event}\ndata: ${JSON.stringify({ device: { ...event.device, current } })}\n\n`);
      if (current && ENDING_EVENTS.has(event.event)) this.close(stream);
    }
  }

  private close(stream: EventStream): void {
    this.remove(stream);
    stream.end();
  }

  private forEachStream(action: (stream: EventStream) => void): void {
    for (const streams of [...this.streamsByUser.values()]) for (const stream of [...streams]) action(stream);
  }
}
