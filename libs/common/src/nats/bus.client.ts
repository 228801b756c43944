import { randomUUID } from 'node:crypto';
import { ErrorCode, isDomainErrorBody, type Command, type ReplyOf, type RequestOf } from '@td/contracts';
import { ErrorCode as NatsErrorCode, Events, headers as natsHeaders, NatsError, type NatsConnection } from 'nats';
import { DomainError } from '../errors';
import { currentRequestId, REQUEST_ID_HEADER } from '../logging';
import { prefixed } from './subject-prefix';

/** What Nest's NATS server (`@MessagePattern` handlers, `ServerNats`) answers: one message, `err` or `response`. */
interface ReplyPacket {
  id?: string;
  err?: unknown;
  response?: unknown;
  isDisposed?: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Typed request/reply to the services' `@MessagePattern` handlers (Nest's `ServerNats`), in
 * the packet Nest's own client sends (`{ pattern, data, id }`, JSON) and reads back (`{ id,
 * response | err, isDisposed }`), on the process's one connection (NatsModule owns it and
 * drains it at shutdown), with subjects under the deployment's prefix like the server's.
 * The request id goes in the headers, and every request has a timeout. No responder or no
 * answer in time is `service_unavailable` (ERR-3), and so is a request while the connection
 * is down (at once, not after the timeout); a domain error the handler threw comes back as
 * that DomainError.
 *
 * Requests share the connection's one reply subscription (nats.js `request`, a token per
 * request under one `_INBOX` wildcard): Nest's `ClientNats` subscribed and unsubscribed an
 * inbox of its own for every request, three protocol messages and a subscription-table change
 * in the NATS server each time (issue 12).
 */
export class BusClient {
  private connected = true;

  constructor(
    private readonly connection: NatsConnection,
    private readonly prefix: string,
    private readonly timeoutMs: number,
  ) {
    void this.followStatus();
  }

  async request<C extends Command>(command: C, payload: RequestOf<C>, options: { timeoutMs?: number } = {}): Promise<ReplyOf<C>> {
    if (!this.connected) throw busUnavailable('connection lost; reconnecting');
    const headers = natsHeaders();
    headers.set(REQUEST_ID_HEADER, currentRequestId() ?? randomUUID());
    const id = randomUUID();
    let packet: ReplyPacket;
    try {
      const reply = await this.connection.request(
        prefixed(this.prefix, command),
        encoder.encode(JSON.stringify({ pattern: command, data: payload, id })),
        { timeout: options.timeoutMs ?? this.timeoutMs, headers },
      );
      // An empty answer is NATS saying no one subscribes (the no-responders status).
      if (reply.data.length === 0) throw NatsError.errorForCode(NatsErrorCode.NoResponders);
      packet = JSON.parse(decoder.decode(reply.data)) as ReplyPacket;
    } catch (error) {
      throw asDomainError(command, error);
    }
    if (packet.err !== undefined && packet.err !== null) throw asDomainError(command, packet.err);
    return packet.response as ReplyOf<C>;
  }

  /** Requests fail at once while the connection is down (nats.js would buffer them until the timeout). */
  private async followStatus(): Promise<void> {
    for await (const status of this.connection.status()) {
      if (status.type === Events.Disconnect) this.connected = false;
      else if (status.type === Events.Reconnect) this.connected = true;
    }
  }
}

function busUnavailable(reason: string): DomainError {
  return DomainError.unavailable(`Temporarily unavailable: the message bus is unavailable (${reason}).`);
}

function asDomainError(command: string, error: unknown): DomainError {
  if (isDomainErrorBody(error)) return new DomainError(error);
  const service = command.split('.')[0];
  if (error instanceof NatsError) {
    if (error.code === NatsErrorCode.NoResponders)
      return DomainError.unavailable(`Temporarily unavailable: no ${service} service is running.`);
    if (error.code === NatsErrorCode.Timeout)
      return DomainError.unavailable(`Temporarily unavailable: the ${service} service did not answer in time.`);
    return busUnavailable(error.message);
  }
  // A responder answered with an error that is not a domain error.
  return DomainError.of(ErrorCode.internal, 'An unexpected error occurred.');
}
