import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { pingReply, REDIS } from '@td/common';
import { Command, Service, type PingReply } from '@td/contracts';
import type { Redis } from 'ioredis';

@Controller()
export class HealthController {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  @MessagePattern(Command.verificationPing)
  ping(): Promise<PingReply> {
    return pingReply(Service.verification, { redis: () => this.redis.ping() });
  }
}
