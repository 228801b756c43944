import type { BusEnv } from '../config';
import { natsConnectionOptions } from './nats.module';
import { PrefixedNatsServer } from './nats.server';
import { prefixed } from './subject-prefix';

/**
 * The transport of a service on the bus: a member of its service's queue group,
 * so N instances share the load (OPS-5). Closing it drains (see PrefixedNatsServer).
 */
export function busServer(config: BusEnv, service: string): PrefixedNatsServer {
  return new PrefixedNatsServer(
    {
      ...natsConnectionOptions(config, `${service}-server`),
      queue: prefixed(config.NATS_PREFIX, service),
    },
    config.NATS_PREFIX,
    config.SHUTDOWN_DRAIN_MS,
  );
}
