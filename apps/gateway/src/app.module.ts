import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { NatsModule, RedisModule } from '@td/common';
import { Service } from '@td/contracts';
import { AuthModule } from './auth/auth.module';
import { CONFIG, type GatewayEnv } from './config';
import { GatewayConfigModule } from './config.module';
import { DevicesModule } from './devices/devices.module';
import { EventsModule } from './events/events.module';
import { HealthController } from './health/health.controller';
import { ServicesHealthIndicator } from './health/services.health';
import { GracefulHttp } from './http/graceful-http';
import { IdempotencyInterceptor } from './http/idempotency.interceptor';
import { RateLimitMiddleware } from './http/rate-limit.middleware';
import { RequestIdMiddleware } from './http/request-id.middleware';
import { MetricsController, MetricsMiddleware } from './metrics/metrics';
import { ProblemFilter } from './problem/problem.filter';
import { ScimModule } from './scim/scim.module';
import { SessionModule } from './session/session.module';
import { WebModule } from './web/web.module';
import { WorkspaceModule } from './workspace/workspace.module';

export { CONFIG };

@Module({})
export class GatewayModule implements NestModule {
  static forRoot(config: GatewayEnv): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        NatsModule.forRoot(config, Service.gateway),
        RedisModule.forRoot(config, Service.gateway),
        GatewayConfigModule.forRoot(config),
        AuthModule.forRoot(config),
        SessionModule,
        DevicesModule,
        EventsModule,
        WorkspaceModule,
        ScimModule,
        WebModule,
      ],
      controllers: [HealthController, MetricsController],
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }, ServicesHealthIndicator, GracefulHttp, { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor }],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    // The rate limit (SEC-9) after these two, so its 429s carry a request id and are counted; it looks at /v1 and /scim only.
    consumer.apply(RequestIdMiddleware, MetricsMiddleware, RateLimitMiddleware).forRoutes('{*path}');
  }
}
