import { Inject, Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { CONFIG, type GatewayEnv } from '../config';
import { webAppMiddleware } from './web.middleware';
import { resolveWebRoot } from './web-root';

/** The web app at `/` (WEB-1): static files from apps/web/dist (or WEB_ROOT) with a history-routing fallback. */
@Module({})
export class WebModule implements NestModule {
  constructor(@Inject(CONFIG) private readonly config: GatewayEnv) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(webAppMiddleware({ root: resolveWebRoot(this.config.WEB_ROOT), devLogin: this.config.AUTH_DEV_LOGIN })).forRoutes('{*path}');
  }
}
