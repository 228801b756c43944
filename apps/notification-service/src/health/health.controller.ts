import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { pingReply, REDIS } from '@td/common';
import { Command, Service, type PingReply } from '@td/contracts';
import type { Redis } from 'ioredis';

@Controller()
export class HealthController {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  @MessagePattern(Command.notificationPing)
  ping(): Promise<PingReply> {
    return pingReply(Service.notification, { redis: () => this.redis.ping() });
  }
}
