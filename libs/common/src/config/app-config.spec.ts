import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { IsInt, Max, Min } from 'class-validator';
import { AppConfigModule, configLoader, RedisConfig } from './app-config';
import { RedisEnv } from './base.env';
import { ConfigError } from './load-config';

class ExampleEnv extends RedisEnv {
  @IsInt()
  @Min(1)
  @Max(10)
  WIDGETS: number = 3;
}

class ExampleConfig extends RedisConfig {
  readonly widgets: { readonly count: number };

  constructor(env: ExampleEnv) {
    super(env);
    this.widgets = { count: env.WIDGETS };
  }
}

@Injectable()
class WidgetCounter {
  constructor(readonly config: ExampleConfig) {}
}

@Module({ providers: [WidgetCounter] })
class WidgetsModule {}

const loadExampleConfig = configLoader(ExampleEnv, ExampleConfig);

describe('configLoader and AppConfigModule (OPS-4)', () => {
  it('OPS-4 maps the validated env into sections once', () => {
    const config = loadExampleConfig({ WIDGETS: '7', NATS_PREFIX: 'p1', REDIS_PREFIX: 'r1', SHUTDOWN_DRAIN_MS: '500' });
    expect(config).toBeInstanceOf(ExampleConfig);
    expect(config.widgets).toEqual({ count: 7 });
    expect(config.nats).toMatchObject({ url: 'nats://127.0.0.1:4222', prefix: 'p1', requestTimeoutMs: 5000 });
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'r1' });
    expect(config.process).toMatchObject({ logLevel: 'info', shutdownDrainMs: 500 });
  });

  it('OPS-4 a bad value stops the start with a message naming the variable', () => {
    expect(() => loadExampleConfig({ WIDGETS: '11' })).toThrow(ConfigError);
    expect(() => loadExampleConfig({ WIDGETS: '11' })).toThrow(/WIDGETS: .*got "11"/);
  });

  it('the config is read-only: no section can be changed after start', () => {
    const config = loadExampleConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.widgets)).toBe(true);
    expect(Object.isFrozen(config.nats)).toBe(true);
    expect(() => ((config.widgets as { count: number }).count = 9)).toThrow(TypeError);
  });

  it('every module of the app gets the one config by its class', async () => {
    const config = loadExampleConfig({ WIDGETS: '5' });
    const app = await Test.createTestingModule({ imports: [AppConfigModule.forRoot(config), WidgetsModule] }).compile();
    expect(app.get(WidgetCounter).config).toBe(config);
    await app.close();
  });
});
