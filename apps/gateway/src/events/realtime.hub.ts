import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { BusClient, DomainError, NATS_CONNECTION, prefixed } from '@td/common';
import { Command, ErrorCode, REALTIME_DEVICE_EVENTS, type Caller, type RealtimeDeviceEvent } from '@td/contracts';
import { Events, JSONCodec, type NatsConnection, type Subscription } from 'nats';
import { GatewayConfig } from '../config';

/** Comments keep proxies and clients from timing an idle stream out. */
export const HEARTBEAT_MS = 15_000;

/** Events after which the device that holds a stream is no longer trusted (KEY-5): its stream ends. */
const ENDING_EVENTS = new Set(['device.disabled', 'device.denied', 'device.expired']);

/** SEC-7: a refused stream may try again after this many seconds. */
const STREAM_LIMIT_RETRY_AFTER_SECONDS = 30;
/** setTimeout's longest delay; a token living longer is cut there (the client reconnects). */
const MAX_TIMER_MS = 2_147_483_647;

/** One open `GET /v1/events` response. */
export interface EventStream {
  userId: string;
  deviceId: string;
  /** SEC-7: who opened it, to ask device-service again whether that device is still trusted. */
  caller?: Caller;
  /** SEC-7: when its access token expires (ms since the epoch); the stream ends then. */
  expiresAt?: number;
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
  private readonly streamsPerDevice = new Map<string, number>();
  private readonly timers = new Map<EventStream, NodeJS.Timeout[]>();
  private total = 0;
  private subscription?: Subscription;
  private heartbeat?: NodeJS.Timeout;
  private closing = false;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
    private readonly config: GatewayConfig,
    private readonly bus: BusClient,
  ) {}

  onModuleInit(): void {
    this.subscription = this.nats.subscribe(prefixed(this.config.nats.prefix, REALTIME_DEVICE_EVENTS), {
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
    void this.recheckAfterReconnects();
  }

  /**
   * SEC-7: while the connection was down this gateway may have missed `device.disabled` and
   * the like, so every stream's device is checked again after each reconnect.
   */
  private async recheckAfterReconnects(): Promise<void> {
    for await (const status of this.nats.status()) {
      if (status.type !== Events.Reconnect) continue;
      this.logger.log(`reconnected to NATS: re-checking ${this.total} event stream(s)`);
      this.forEachStream((stream) => void this.recheck(stream));
    }
  }

  /** SEC-7: a stream beyond the per-device or per-gateway cap is refused (429) before it starts. */
  admit(deviceId: string): void {
    const tooMany =
      this.total >= this.config.events.maxStreams
        ? 'This server has too many open event streams; try again shortly.'
        : (this.streamsPerDevice.get(deviceId) ?? 0) >= this.config.events.maxStreamsPerDevice
          ? 'This device has too many open event streams; close one first.'
          : null;
    if (tooMany) throw DomainError.of(ErrorCode.rateLimited, tooMany, { retryAfter: STREAM_LIMIT_RETRY_AFTER_SECONDS });
  }

  /** SEC-7: asks device-service again; a device no longer trusted (or no answer: fail closed) ends the stream. */
  private async recheck(stream: EventStream): Promise<void> {
    if (!stream.caller) return;
    const still = await this.bus.request(Command.deviceAuthorizeEvents, { caller: stream.caller }).then(
      (reply) => reply.userId === stream.userId && reply.deviceId === stream.deviceId,
      () => false,
    );
    if (!still && this.streamsByUser.get(stream.userId)?.has(stream)) this.close(stream);
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
    return this.total;
  }

  add(stream: EventStream): void {
    if (this.closing) return stream.end();
    const streams = this.streamsByUser.get(stream.userId) ?? new Set<EventStream>();
    if (streams.has(stream)) return;
    streams.add(stream);
    this.streamsByUser.set(stream.userId, streams);
    this.streamsPerDevice.set(stream.deviceId, (this.streamsPerDevice.get(stream.deviceId) ?? 0) + 1);
    this.total += 1;
    this.supervise(stream);
  }

  remove(stream: EventStream): void {
    const streams = this.streamsByUser.get(stream.userId);
    if (!streams?.delete(stream)) return;
    if (streams.size === 0) this.streamsByUser.delete(stream.userId);
    const left = (this.streamsPerDevice.get(stream.deviceId) ?? 1) - 1;
    if (left > 0) this.streamsPerDevice.set(stream.deviceId, left);
    else this.streamsPerDevice.delete(stream.deviceId);
    this.total -= 1;
    for (const timer of this.timers.get(stream) ?? []) clearTimeout(timer);
    this.timers.delete(stream);
  }

  /** SEC-7: the stream ends when its token expires, and its device is re-checked every EVENTS_RECHECK_INTERVAL_MS. */
  private supervise(stream: EventStream): void {
    const timers: NodeJS.Timeout[] = [];
    if (stream.expiresAt !== undefined) {
      timers.push(setTimeout(() => this.close(stream), Math.min(Math.max(0, stream.expiresAt - Date.now()), MAX_TIMER_MS)));
    }
    if (stream.caller) timers.push(setInterval(() => void this.recheck(stream), this.config.events.recheckIntervalMs));
    for (const timer of timers) timer.unref();
    if (timers.length > 0) this.timers.set(stream, timers);
  }

  /**
   * Each of the event's devices is one SSE event to each of the user's streams; a stream whose own device it ends
   * (KEY-5) gets the whole batch first, then ends.
   */
  dispatch(event: RealtimeDeviceEvent): void {
    const streams = this.streamsByUser.get(event.userId);
    if (!streams || typeof event.event !== 'string' || !/^[a-z._]+$/.test(event.event) || !Array.isArray(event.devices)) return;
    const devices = event.devices.filter((device) => typeof device?.id === 'string');
    const ending = ENDING_EVENTS.has(event.event);
    for (const stream of [...streams]) {
      let ends = false;
      for (const device of devices) {
        const current = device.id === stream.deviceId;
        stream.write(`event: ${event.event}\ndata: ${JSON.stringify({ device: { ...device, current } })}\n\n`);
        ends ||= current && ending;
      }
      if (ends) this.close(stream);
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
