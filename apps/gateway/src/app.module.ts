import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { NatsModule, RedisModule } from '@td/common';
import { Service } from '@td/contracts';
import type { GatewayEnv } from './config';
import { HealthController } from './health/health.controller';
import { ServicesHealthIndicator } from './health/services.health';
import { RequestIdMiddleware } from './http/request-id.middleware';
import { MetricsController, MetricsMiddleware } from './metrics/metrics';
import { ProblemFilter } from './problem/problem.filter';

export const CONFIG = Symbol('GATEWAY_CONFIG');

@Module({})
export class GatewayModule implements NestModule {
  static forRoot(config: GatewayEnv): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        NatsModule.forRoot(config, Service.gateway),
        RedisModule.forRoot(config, Service.gateway),
      ],
      controllers: [HealthController, MetricsController],
      providers: [{ provide: CONFIG, useValue: config }, { provide: APP_FILTER, useClass: ProblemFilter }, ServicesHealthIndicator],
      exports: [CONFIG],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestIdMiddleware, MetricsMiddleware).forRoutes('*path');
  }
}
