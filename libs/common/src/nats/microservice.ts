import type { BusConfig } from '../config';
import { natsConnectionOptions } from './nats.module';
import { PrefixedNatsServer } from './nats.server';
import { prefixed } from './subject-prefix';

/**
 * The transport of a service on the bus: a member of its service's queue group,
 * so N instances share the load (OPS-5). Closing it drains (see PrefixedNatsServer).
 */
export function busServer(config: BusConfig, service: string): PrefixedNatsServer {
  return new PrefixedNatsServer(
    {
      ...natsConnectionOptions(config.nats, `${service}-server`),
      queue: prefixed(config.nats.prefix, service),
    },
    config.nats.prefix,
    config.process.shutdownDrainMs,
  );
}
