import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { GatewayConfig } from '../config';
import { webAppMiddleware } from './web.middleware';
import { resolveWebRoot } from './web-root';

/** The web app at `/` (WEB-1): static files from apps/web/dist (or WEB_ROOT) with a history-routing fallback. */
@Module({})
export class WebModule implements NestModule {
  constructor(private readonly config: GatewayConfig) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(webAppMiddleware({ root: resolveWebRoot(this.config.web.root), devLogin: this.config.auth.devLogin }))
      .forRoutes('{*path}');
  }
}
