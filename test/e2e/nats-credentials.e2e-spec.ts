import { BusConfig, BusEnv, configLoader, natsConnectionOptions } from '@td/common';
import { PrivateNats, type NatsUser } from '@td/testing';
import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import { ApiClient } from '../support/api-client';
import { TestSystem, type PerProcessEnv } from '../support/system';

const PROCESSES = ['gateway', 'device-service', 'verification-service', 'notification-service'] as const;

describe('SEC-11 — services authenticate to NATS, each with its own credentials', () => {
  /** One NATS user per process, each with its own password. */
  const users: Record<(typeof PROCESSES)[number], NatsUser> = Object.fromEntries(
    PROCESSES.map((name) => [name, { user: name, password: randomBytes(18).toString('base64url') }]),
  ) as Record<(typeof PROCESSES)[number], NatsUser>;
  let nats: PrivateNats;
  let system: TestSystem;

  beforeAll(async () => {
    nats = await PrivateNats.start(Object.values(users));
    const perProcess: PerProcessEnv = Object.fromEntries(
      PROCESSES.map((name) => [name, { NATS_USER: users[name].user, NATS_PASSWORD: users[name].password }]),
    );
    system = await TestSystem.start({ NATS_URL: nats.url }, perProcess);
  });
  afterAll(async () => {
    await system?.stop();
    await nats?.stop();
  });

  it('SEC-11 a client without credentials, or with a wrong password, is refused', async () => {
    await expect(connect({ servers: nats.url, timeout: 2000 })).rejects.toThrow(/authorization/i);
    await expect(connect({ servers: nats.url, user: 'gateway', pass: 'not-the-password', timeout: 2000 })).rejects.toThrow(
      /authorization/i,
    );
    const withoutPassword = configLoader(BusEnv, BusConfig)({ NATS_URL: nats.url });
    await expect(connect(natsConnectionOptions(withoutPassword.nats, 'probe'))).rejects.toThrow(/authorization/i);
  });

  it('SEC-11 every service connects with its own NATS_USER/NATS_PASSWORD: a device is set up, mailed and confirmed across all of them', async () => {
    const web = await ApiClient.signIn(system, 'web');
    await web.becomeTrusted();
    const session = await web.session();
    expect(session.body).toMatchObject({ trusted: true, device: { status: 'approved' } });
    const ready = await fetch(`${system.url}/health/ready`);
    expect(ready.status).toBe(200);
  });
});
