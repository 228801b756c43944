import { randomUUID } from 'node:crypto';
import { ErrorCode, isDomainErrorBody, type Command, type ReplyOf, type RequestOf } from '@td/contracts';
import { ErrorCode as NatsErrorCode, JSONCodec, headers as natsHeaders, type NatsConnection, type NatsError } from 'nats';
import { DomainError } from '../errors';
import { REQUEST_ID_HEADER, RequestContext } from '../logging';
import { prefixed } from './subject-prefix';

interface ReplyPacket<T> {
  id?: string;
  response?: T;
  err?: unknown;
  isDisposed?: boolean;
}

const codec = JSONCodec();

/**
 * Typed request/reply over core NATS, speaking Nest's packet format so the
 * services' `@MessagePattern` handlers answer it. Every request has a timeout;
 * no responder or no answer in time is `service_unavailable` (ERR-3).
 */
export class BusClient {
  constructor(
    private readonly connection: NatsConnection,
    private readonly prefix: string,
    private readonly timeoutMs: number,
  ) {}

  async request<C extends Command>(command: C, payload: RequestOf<C>, options: { timeoutMs?: number } = {}): Promise<ReplyOf<C>> {
    const headers = natsHeaders();
    headers.set(REQUEST_ID_HEADER, RequestContext.requestId() ?? randomUUID());
    let reply;
    try {
      reply = await this.connection.request(
        prefixed(this.prefix, command),
        codec.encode({ pattern: command, data: payload, id: randomUUID() }),
        { timeout: options.timeoutMs ?? this.timeoutMs, headers },
      );
    } catch (error) {
      throw unavailable(command, error as NatsError);
    }
    const packet = codec.decode(reply.data) as ReplyPacket<ReplyOf<C>>;
    if (packet.err !== undefined && packet.err !== null) {
      if (isDomainErrorBody(packet.err)) throw new DomainError(packet.err);
      throw DomainError.of(ErrorCode.internal, 'An unexpected error occurred.');
    }
    return packet.response as ReplyOf<C>;
  }
}

function unavailable(command: string, error: NatsError): DomainError {
  const service = command.split('.')[0];
  const why =
    error.code === NatsErrorCode.NoResponders
      ? `no ${service} service is running`
      : error.code === NatsErrorCode.Timeout
        ? `the ${service} service did not answer in time`
        : `the message bus is unavailable (${error.message})`;
  return DomainError.unavailable(`Temporarily unavailable: ${why}.`);
}
