import { Controller, Get, Req, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Service } from '@td/contracts';
import type { Request, Response } from 'express';
import { GatewayConfig } from '../config';
import { GracefulHttp } from '../http/graceful-http';
import { isOperator } from '../ops/operator-auth';
import { ServicesHealthIndicator } from './services.health';

/** A readiness report is reused this long: a flood of probes costs one round of pings a second (SEC-9). */
const READY_MAX_AGE_MS = 1000;

interface Readiness {
  ok: boolean;
  report: unknown;
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  private latest: { at: number; readiness: Promise<Readiness> } | null = null;

  constructor(
    private readonly health: HealthCheckService,
    private readonly services: ServicesHealthIndicator,
    private readonly http: GracefulHttp,
    private readonly config: GatewayConfig,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The gateway process is up (OPS-1)' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary:
      'NATS and every service answer, each with its own database/Redis reachable (OPS-1); per-service details for operators only (SEC-9)',
  })
  async ready(@Req() request: Request, @Res({ passthrough: true }) response: Response) {
    if (this.http.stopping) {
      // Stopping (SIGTERM): a load balancer must send no more requests here.
      const down = { gateway: { status: 'down', message: 'shutting down' } };
      response.status(503).setHeader('Retry-After', '2');
      return { status: 'error', info: {}, error: down, details: down };
    }
    const { ok, report } = await this.readiness();
    if (!ok) response.status(503).setHeader('Retry-After', '2');
    // Instance names (host:pid) and dependency states are for operators (SEC-9).
    return isOperator(request, this.config) ? report : { status: ok ? 'ok' : 'error' };
  }

  /** The latest readiness report, at most READY_MAX_AGE_MS old; concurrent callers share one check. */
  private readiness(): Promise<Readiness> {
    const now = Date.now();
    if (this.latest && now - this.latest.at < READY_MAX_AGE_MS) return this.latest.readiness;
    const readiness = this.check();
    this.latest = { at: now, readiness };
    return readiness;
  }

  private async check(): Promise<Readiness> {
    try {
      const report = await this.health.check([
        () => this.services.nats_(),
        () => this.services.service(Service.device),
        () => this.services.service(Service.verification),
        () => this.services.service(Service.notification),
      ]);
      return { ok: true, report };
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      // Terminus' own report names each part that is down; keep it rather than a generic problem.
      return { ok: false, report: error.getResponse() };
    }
  }
}
