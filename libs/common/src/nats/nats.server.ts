import { Logger } from '@nestjs/common';
import { ServerNats, type NatsContext, type NatsOptions } from '@nestjs/microservices';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { performance } from 'node:perf_hooks';
import { currentRequestId, REQUEST_ID_HEADER, runWithRequestId } from '../logging';
import { settlesWithin, withTimeout } from '../time';
import { prefixed } from './subject-prefix';

type NatsServerOptions = NonNullable<NatsOptions['options']>;

/** How long start waits for the NATS server to confirm the subscriptions. */
const LISTEN_FLUSH_TIMEOUT_MS = 5000;

/** How a JSON text can begin: whitespace, an object, an array, a string, a number, true, false or null. */
const MAY_BE_JSON = /^(?:[\s{["\-0-9]|true|false|null)/;

/** What Nest's ServerNats keeps to itself, and a graceful close needs. */
interface ServerNatsInternals {
  natsClient: NatsConnection | null;
  subscriptions: Subscription[];
}

/**
 * Nest's NATS server, with subjects under the deployment's prefix, the request id from
 * the message headers put in scope for the handler's logs (nestjs-cls), one log line per
 * command (subject, outcome, duration, request id), and a close that drains:
 * Nest's own close unsubscribes at once, dropping requests already on their way to
 * this instance (their callers got 503 after the request timeout). This one stops
 * taking new requests (the queue group hands them to the other instances), answers
 * every request it already received — waiting up to `drainMs` for their handlers —
 * and only then closes the connection.
 */
export class PrefixedNatsServer extends ServerNats {
  private readonly drainLogger = new Logger('NatsServer');
  private readonly commandLogger = new Logger('BusCommand');
  /** Requests received whose reply has not gone out yet, and when each arrived (performance.now()). */
  private readonly inFlight = new Map<Msg, number>();
  private idle: (() => void) | null = null;

  constructor(
    options: NatsServerOptions,
    private readonly prefix: string,
    private readonly drainMs: number,
  ) {
    super(options);
    // Nest's hook type says void, but ServerNats.handleMessage returns what the hook returns: handing back
    // `done`'s promise is what lets handleMessage (below) await the handler and see its errors.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    this.setOnProcessingStartHook((_transportId, context, done) => {
      const headers = (context as { getHeaders?: () => { get(name: string): string } | undefined }).getHeaders?.();
      return runWithRequestId(headers?.get(REQUEST_ID_HEADER), done);
    });
  }

  override normalizePattern(pattern: Parameters<ServerNats['normalizePattern']>[0]): string {
    return prefixed(this.prefix, super.normalizePattern(pattern));
  }

  /**
   * Nest tries `JSON.parse` on every incoming subject first (patterns may be objects) and falls back
   * to the string: for our subjects that is an exception, with its stack, per message. Only a
   * string that starts as JSON can start can parse (issue 12).
   */
  override getRouteFromPattern(pattern: string): string {
    return MAY_BE_JSON.test(pattern) ? super.getRouteFromPattern(pattern) : this.normalizePattern(pattern);
  }

  /**
   * Listening means the NATS server has this instance's subscriptions: a request sent right after start reaches it,
   * instead of a 503 "no responders" while the SUBs are still on their way (seen under load in the drain test).
   * A server that does not answer the flush fails the start, like a server that cannot be reached.
   */
  override start(callback: (error?: unknown) => void): void {
    super.start((error?: unknown) => {
      if (error) return callback(error);
      const client = (this as unknown as ServerNatsInternals).natsClient!;
      withTimeout(client.flush(), LISTEN_FLUSH_TIMEOUT_MS, () => new Error('NATS did not confirm the subscriptions')).then(
        () => callback(),
        callback,
      );
    });
  }

  override async handleMessage(channel: string, message: Msg): Promise<unknown> {
    if (!message.reply) return super.handleMessage(channel, message);
    this.inFlight.set(message, performance.now());
    try {
      return await super.handleMessage(channel, message);
    } catch (error) {
      this.settled(message, 'error');
      throw error;
    }
  }

  override getPublisher(message: Msg, id: string, context: NatsContext): (response: unknown) => unknown {
    const publish = super.getPublisher(message, id, context);
    return (response) => {
      try {
        return publish(response);
      } finally {
        this.settled(message, outcomeOf(response));
      }
    };
  }

  override async close(): Promise<void> {
    const internals = this as unknown as ServerNatsInternals;
    const client = internals.natsClient;
    if (!client) return;
    const deadline = Date.now() + this.drainMs;
    // Stop taking requests: the server stops routing to this queue member; those already sent still arrive.
    // (Bounded: with NATS down a drain would wait for the reconnection.)
    await settlesWithin(Promise.allSettled(internals.subscriptions.map((subscription) => subscription.drain())), this.drainMs);
    if (this.inFlight.size > 0) {
      this.drainLogger.log({ msg: 'Finishing requests in flight', requests: this.inFlight.size });
      const finished = await this.whenIdle(Math.max(0, deadline - Date.now()));
      if (!finished)
        this.drainLogger.warn({ msg: 'Requests still in flight after the drain time; closing anyway', requests: this.inFlight.size });
    }
    internals.subscriptions.length = 0;
    internals.natsClient = null;
    // Flushes the replies just published, then closes.
    if (
      !(await settlesWithin(
        client.drain().catch(() => undefined),
        1000,
      ))
    )
      await client.close().catch(() => undefined);
  }

  /** The first reply to a request settles it (a reply may come in parts; it is logged once). */
  private settled(message: Msg, outcome: string): void {
    const receivedAt = this.inFlight.get(message);
    if (receivedAt === undefined) return;
    this.inFlight.delete(message);
    this.logCommand(message, receivedAt, outcome);
    if (this.inFlight.size === 0) this.idle?.();
  }

  /**
   * One line per command: subject, outcome (`ok` or the error's code), duration and request id.
   * Never the payload or the reply: they carry codes, tokens and key envelopes. Health pings
   * (every readiness probe sends them) are logged at debug.
   */
  private logCommand(message: Msg, receivedAt: number, outcome: string): void {
    const subject = unprefixed(this.prefix, message.subject);
    // The context's id (what the handler's own lines carry); the header's when the handler never ran.
    const requestId = currentRequestId() ?? (message.headers?.get(REQUEST_ID_HEADER) || undefined);
    const line = {
      msg: 'bus command',
      subject,
      outcome,
      durationMs: Math.round((performance.now() - receivedAt) * 10) / 10,
      ...(requestId ? { requestId } : {}),
    };
    if (subject.endsWith('.ping')) this.commandLogger.debug(line);
    else if (outcome === 'internal') this.commandLogger.warn(line);
    else this.commandLogger.log(line);
  }

  private whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.inFlight.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idle = null;
        resolve(false);
      }, timeoutMs);
      this.idle = () => {
        clearTimeout(timer);
        this.idle = null;
        resolve(true);
      };
    });
  }
}

function unprefixed(prefix: string, subject: string): string {
  return prefix && subject.startsWith(`${prefix}.`) ? subject.slice(prefix.length + 1) : subject;
}

/** `ok`, or what the error filter answered with: a domain error body's code, or Nest's own message (no handler). */
function outcomeOf(response: unknown): string {
  const error = (response as { err?: unknown } | undefined)?.err;
  if (error === undefined || error === null) return 'ok';
  if (typeof error === 'object' && typeof (error as { code?: unknown }).code === 'string') return (error as { code: string }).code;
  return typeof error === 'string' ? error : 'error';
}
