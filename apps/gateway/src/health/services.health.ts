import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { BusClient, NATS_CONNECTION, probe } from '@td/common';
import { PING_COMMANDS, Service } from '@td/contracts';
import type { NatsConnection } from 'nats';

/** How long readiness waits for a service's ping; a stopped service shows as down within this. */
const PING_TIMEOUT_MS = 1500;

@Injectable()
export class ServicesHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly bus: BusClient,
    @Inject(NATS_CONNECTION) private readonly nats: NatsConnection,
  ) {}

  async nats_() {
    const session = this.indicators.check('nats');
    const state = await probe(() => this.nats.flush(), PING_TIMEOUT_MS);
    return state === 'up' && !this.nats.isClosed() ? session.up() : session.down({ message: 'NATS is not reachable' });
  }

  /** A service is up when one of its instances answers and reports its own dependencies up. */
  async service(service: keyof typeof PING_COMMANDS) {
    const session = this.indicators.check(service);
    try {
      const reply = await this.bus.request(PING_COMMANDS[service], { from: Service.gateway }, { timeoutMs: PING_TIMEOUT_MS });
      const down = Object.entries(reply.dependencies).filter(([, state]) => state !== 'up');
      const data = { instance: reply.instance, dependencies: reply.dependencies };
      return down.length === 0
        ? session.up(data)
        : session.down({ ...data, message: `${down.map(([name]) => name).join(', ')} unreachable` });
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }
}
