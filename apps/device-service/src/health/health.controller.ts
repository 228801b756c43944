import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { InjectDataSource } from '@nestjs/typeorm';
import { pingReply } from '@td/common';
import { Command, Service, type PingReply } from '@td/contracts';
import type { DataSource } from 'typeorm';

@Controller()
export class HealthController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @MessagePattern(Command.devicePing)
  ping(): Promise<PingReply> {
    return pingReply(Service.device, { postgres: () => this.dataSource.query('SELECT 1') });
  }
}
