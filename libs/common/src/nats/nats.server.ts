import { ServerNats, type NatsOptions } from '@nestjs/microservices';
import { REQUEST_ID_HEADER, RequestContext } from '../logging';
import { prefixed } from './subject-prefix';

type NatsServerOptions = NonNullable<NatsOptions['options']>;

/**
 * Nest's NATS server, with subjects under the deployment's prefix and the
 * request id from the message headers put in scope for the handler's logs.
 */
export class PrefixedNatsServer extends ServerNats {
  constructor(
    options: NatsServerOptions,
    private readonly prefix: string,
  ) {
    super(options);
    this.setOnProcessingStartHook((_transportId, context, done) => {
      const headers = (context as { getHeaders?: () => { get(name: string): string } | undefined }).getHeaders?.();
      return RequestContext.run(headers?.get(REQUEST_ID_HEADER) || undefined, done);
    });
  }

  override normalizePattern(pattern: Parameters<ServerNats['normalizePattern']>[0]): string {
    return prefixed(this.prefix, super.normalizePattern(pattern));
  }
}
