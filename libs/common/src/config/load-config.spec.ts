import { IsInt, Max, Min } from 'class-validator';
import { BusConfig } from './app-config';
import { BusEnv } from './base.env';
import { ConfigError, loadConfig } from './load-config';
import { natsConnectionOptions } from '../nats/nats.module';

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
      expect((error as Error).message).toMatch(/NATS_URL: must be nats:\/\/ or tls:\/\/ URLs/);
    }
  });

  it('OPS-4 cross-variable rules are reported too, and empty strings count as unset', () => {
    expect(() => loadConfig(ExampleEnv, { PORT: '13' })).toThrow(/PORT: unlucky/);
    expect(loadConfig(ExampleEnv, { PORT: '' }).PORT).toBe(3000);
  });

  it('SEC-11 NATS credentials and TLS: half-given pairs and unreadable files stop the start, naming the variable', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(ExampleEnv, env);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(problems({ NATS_USER: 'gateway' })).toMatch(/NATS_USER and NATS_PASSWORD: set both or neither/);
    expect(problems({ NATS_CREDS: '/nonexistent/gateway.creds' })).toMatch(/NATS_CREDS: cannot read the file/);
    expect(problems({ NATS_TLS_CA: '/nonexistent/ca.pem' })).toMatch(/NATS_TLS_CA: cannot read the file/);
    expect(problems({ NATS_TLS_CERT: __filename })).toMatch(/NATS_TLS_CERT and NATS_TLS_KEY: set both or neither/);
  });

  it("SEC-11 every NATS connection gets the service's credentials and TLS settings", () => {
    const config = loadConfig(ExampleEnv, {
      NATS_URL: 'tls://a:4222,tls://b:4222',
      NATS_USER: 'gateway',
      NATS_PASSWORD: 'secret',
      NATS_TLS_CA: __filename,
    });
    expect(natsConnectionOptions(new BusConfig(config).nats, 'gateway')).toMatchObject({
      servers: ['tls://a:4222', 'tls://b:4222'],
      user: 'gateway',
      pass: 'secret',
      tls: { caFile: __filename },
    });
    expect(natsConnectionOptions(new BusConfig(loadConfig(ExampleEnv, {})).nats, 'x')).not.toHaveProperty('tls');
  });
});
