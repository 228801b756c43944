import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Service } from '@td/contracts';
import type { Response } from 'express';
import { GracefulHttp } from '../http/graceful-http';
import { ServicesHealthIndicator } from './services.health';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly services: ServicesHealthIndicator,
    private readonly http: GracefulHttp,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The gateway process is up (OPS-1)' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'NATS and every service answer, each with its own database/Redis reachable (OPS-1)' })
  async ready(@Res({ passthrough: true }) response: Response) {
    if (this.http.stopping) {
      // Stopping (SIGTERM): a load balancer must send no more requests here.
      const down = { gateway: { status: 'down', message: 'shutting down' } };
      response.status(503).setHeader('Retry-After', '2');
      return { status: 'error', info: {}, error: down, details: down };
    }
    try {
      return await this.health.check([
        () => this.services.nats_(),
        () => this.services.service(Service.device),
        () => this.services.service(Service.verification),
        () => this.services.service(Service.notification),
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      // Terminus' own report names each part that is down; keep it rather than a generic problem.
      response.status(503).setHeader('Retry-After', '2');
      return error.getResponse();
    }
  }
}
