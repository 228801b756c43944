import { Module, type DynamicModule } from '@nestjs/common';
import { CONFIG, type GatewayEnv } from './config';

/** The gateway's validated config, injectable everywhere as CONFIG. */
@Module({})
export class GatewayConfigModule {
  static forRoot(config: GatewayEnv): DynamicModule {
    return { module: GatewayConfigModule, global: true, providers: [{ provide: CONFIG, useValue: config }], exports: [CONFIG] };
  }
}
