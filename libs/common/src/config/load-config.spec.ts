import { IsInt, Max, Min } from 'class-validator';
import { BusEnv } from './base.env';
import { ConfigError, loadConfig } from './load-config';

class ExampleEnv extends BusEnv {
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT: number = 3000;

  crossCheck(): string[] {
    return this.PORT === 13 ? ['PORT: unlucky'] : [];
  }
}

describe('loadConfig (OPS-4)', () => {
  it('OPS-4 applies defaults and converts types', () => {
    const config = loadConfig(ExampleEnv, { PORT: '8080' });
    expect(config.PORT).toBe(8080);
    expect(config.NATS_URL).toBe('nats://127.0.0.1:4222');
  });

  it('OPS-4 a bad value stops the start with a message naming the variable', () => {
    expect(() => loadConfig(ExampleEnv, { PORT: 'eighty', NATS_URL: 'http://x' })).toThrow(ConfigError);
    try {
      loadConfig(ExampleEnv, { PORT: 'eighty', NATS_URL: 'http://x' });
    } catch (error) {
      expect((error as Error).message).toMatch(/PORT: .*got "eighty"/);
      expect((error as Error).message).toMatch(/NATS_URL: must be a nats:\/\/ URL/);
    }
  });

  it('OPS-4 cross-variable rules are reported too, and empty strings count as unset', () => {
    expect(() => loadConfig(ExampleEnv, { PORT: '13' })).toThrow(/PORT: unlucky/);
    expect(loadConfig(ExampleEnv, { PORT: '' }).PORT).toBe(3000);
  });
});
