import { randomUUID } from 'node:crypto';
import { ClientNats, NatsRecordBuilder } from '@nestjs/microservices';
import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception';
import { ErrorCode, isDomainErrorBody, type Command, type ReplyOf, type RequestOf } from '@td/contracts';
import { headers as natsHeaders, NatsError, type NatsConnection } from 'nats';
import { lastValueFrom, timeout, TimeoutError } from 'rxjs';
import { DomainError } from '../errors';
import { currentRequestId, REQUEST_ID_HEADER } from '../logging';
import { prefixed } from './subject-prefix';

/**
 * Nest's NATS client on the process's one connection (NatsModule owns it and drains it
 * at shutdown), with subjects under the deployment's prefix like the server's.
 */
class PrefixedClientNats extends ClientNats {
  constructor(
    private readonly connection: NatsConnection,
    private readonly prefix: string,
  ) {
    super({});
  }

  override createClient(): Promise<NatsConnection> {
    return Promise.resolve(this.connection);
  }

  protected override normalizePattern(pattern: Parameters<ClientNats['normalizePattern']>[0]): string {
    return prefixed(this.prefix, super.normalizePattern(pattern));
  }

  /** The connection is not ours to close. */
  override close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Typed request/reply over Nest's `ClientNats`, so the services' `@MessagePattern`
 * handlers answer it: the request id goes in the headers (NatsRecordBuilder), and every
 * request has a timeout (rxjs). No responder or no answer in time is `service_unavailable`
 * (ERR-3); a domain error the handler threw comes back as that DomainError.
 */
export class BusClient {
  private readonly client: PrefixedClientNats;

  constructor(
    connection: NatsConnection,
    prefix: string,
    private readonly timeoutMs: number,
  ) {
    this.client = new PrefixedClientNats(connection, prefix);
  }

  async request<C extends Command>(command: C, payload: RequestOf<C>, options: { timeoutMs?: number } = {}): Promise<ReplyOf<C>> {
    const headers = natsHeaders();
    headers.set(REQUEST_ID_HEADER, currentRequestId() ?? randomUUID());
    const record = new NatsRecordBuilder(payload).setHeaders(headers).build();
    try {
      return await lastValueFrom(this.client.send<ReplyOf<C>>(command, record).pipe(timeout(options.timeoutMs ?? this.timeoutMs)));
    } catch (error) {
      throw asDomainError(command, error);
    }
  }
}

function asDomainError(command: string, error: unknown): DomainError {
  if (isDomainErrorBody(error)) return new DomainError(error);
  const service = command.split('.')[0];
  if (error instanceof EmptyResponseException) return DomainError.unavailable(`Temporarily unavailable: no ${service} service is running.`);
  if (error instanceof TimeoutError)
    return DomainError.unavailable(`Temporarily unavailable: the ${service} service did not answer in time.`);
  if (error instanceof NatsError || (typeof error === 'string' && error.includes('Connection lost'))) {
    return DomainError.unavailable(
      `Temporarily unavailable: the message bus is unavailable (${String(error instanceof Error ? error.message : error)}).`,
    );
  }
  // A responder answered with an error that is not a domain error.
  return DomainError.of(ErrorCode.internal, 'An unexpected error occurred.');
}
