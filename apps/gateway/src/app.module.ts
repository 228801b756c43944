import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfigModule, NatsModule, RedisModule } from '@td/common';
import { Service } from '@td/contracts';
import { AuthModule } from './auth/auth.module';
import type { GatewayConfig } from './config';
import { DevicesModule } from './devices/devices.module';
import { EventsModule } from './events/events.module';
import { HealthController } from './health/health.controller';
import { ServicesHealthIndicator } from './health/services.health';
import { GracefulHttp } from './http/graceful-http';
import { RateLimitMiddleware } from './http/rate-limit.middleware';
import { MetricsController, MetricsMiddleware } from './metrics/metrics';
import { ProblemFilter } from './problem/problem.filter';
import { ScimModule } from './scim/scim.module';
import { SessionModule } from './session/session.module';
import { WebModule } from './web/web.module';
import { WorkspaceModule } from './workspace/workspace.module';

@Module({})
export class GatewayModule implements NestModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        AppConfigModule.forRoot(config),
        NatsModule.forRoot(config.nats, Service.gateway),
        // Commands of requests handled in the same turn of the event loop (each request's rate-limit script) go out
        // in one write: one system call, and one wake-up of Redis, for many requests under load (issue 12).
        RedisModule.forRoot(config.redis, Service.gateway, { enableAutoPipelining: true }),
        AuthModule.forRoot(config),
        SessionModule,
        DevicesModule,
        EventsModule,
        WorkspaceModule,
        ScimModule,
        WebModule,
      ],
      controllers: [HealthController, MetricsController],
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }, ServicesHealthIndicator, GracefulHttp],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    // The rate limit (SEC-9) after metrics, so its 429s are counted (the access log, mounted first, gave them a request id); it looks at /v1 and /scim only.
    consumer.apply(MetricsMiddleware, RateLimitMiddleware).forRoutes('{*path}');
  }
}
