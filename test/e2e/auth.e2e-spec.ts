import { mintToken, newUser } from '@td/testing';
import { SignJWT } from 'jose';
import request from 'supertest';
import { ApiClient } from '../support/api-client';
import { TestSystem } from '../support/system';

describe('AUTH — who is calling (over HTTP)', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start();
  });
  afterAll(() => system.stop());

  function expectProblem(response: request.Response, status: number, code: string): void {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body).toMatchObject({ status, code });
  }

  it('AUTH-1 a call without a token, with an expired one, or a badly signed one gets 401 unauthenticated', async () => {
    const user = newUser();
    const expired = await mintToken(system.env.AUTH_JWT_SECRET, user, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const forged = await mintToken('an-attacker-secret-of-at-least-32-characters', user);
    expectProblem(await request(system.url).get('/v1/devices'), 401, 'unauthenticated');
    for (const token of [expired, forged, 'not.a.jwt']) {
      expectProblem(await request(system.url).get('/v1/session').set('authorization', `Bearer ${token}`), 401, 'unauthenticated');
    }
  });

  it('AUTH-1 a valid token is accepted and its claims are the user', async () => {
    const client = await ApiClient.signIn(system, 'web', { role: 'admin' });
    const response = await client.session({ proof: false });
    expect(response.status).toBe(200);
    expect(response.body.user).toEqual({
      id: client.user.sub,
      email: client.user.email,
      username: client.user.preferred_username,
      role: 'admin',
      workspaceId: client.user.wid,
    });
  });

  it('AUTH-1 a token with an unknown role is 401; without preferred_username the email local part is the username', async () => {
    const secret = new TextEncoder().encode(system.env.AUTH_JWT_SECRET);
    const badRole = await new SignJWT({ wid: 'ws-x', email: 'x@example.test', role: 'root' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setExpirationTime('5m')
      .sign(secret);
    expectProblem(await request(system.url).get('/v1/session').set('authorization', `Bearer ${badRole}`), 401, 'unauthenticated');
    const plain = await new SignJWT({ wid: 'ws-y', email: 'yuki@example.test' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('yuki-1')
      .setExpirationTime('5m')
      .sign(secret);
    const session = await request(system.url).get('/v1/session').set('authorization', `Bearer ${plain}`).expect(200);
    expect(session.body.user).toMatchObject({ id: 'yuki-1', username: 'yuki', role: 'member' });
  });

  it('AUTH-2 a user is created on first sight and updated from later tokens', async () => {
    const client = await ApiClient.signIn(system);
    expect((await client.setUp()).status).toBe(201);
    const renamed = await client.withClaims({ email: `new-${client.user.email}`, preferred_username: 'renamed', role: 'owner' });
    const session = await renamed.session();
    expect(session.status).toBe(200);
    expect(session.body.user).toMatchObject({ id: client.user.sub, email: `new-${client.user.email}`, username: 'renamed', role: 'owner' });
    // Same (wid, sub): the same user, whose device is still there.
    expect((await renamed.list()).body.devices.map((d: { id: string }) => d.id)).toEqual([client.deviceId]);
  });

  it('AUTH-2 the same sub in another workspace is another user', async () => {
    const first = await ApiClient.signIn(system);
    expect((await first.setUp()).status).toBe(201);
    const elsewhere = await ApiClient.signIn(system, 'web', { sub: first.user.sub });
    expect((await elsewhere.list()).body.devices).toEqual([]);
  });

  it("AUTH-3 once deprovisioned, every call with that user's still-valid token gets 403 user_deprovisioned", async () => {
    const admin = await ApiClient.signIn(system, 'web', { role: 'admin' });
    await admin.becomeTrusted();
    const leaver = await ApiClient.signIn(system, 'web', { wid: admin.user.wid });
    await leaver.setUp();
    const deprovision = await admin.call('post', `/v1/workspace/users/${encodeURIComponent(leaver.user.sub)}/deprovision`);
    expect(deprovision.status).toBe(202);
    for (const response of [await leaver.session(), await leaver.list(), await (await leaver.anotherApp()).setUp()]) {
      expect([response.status, response.body.code]).toEqual([403, 'user_deprovisioned']);
    }
  });

  it('AUTH-4 dev login mints a working token for an email; the same email is the same user', async () => {
    const minted = await request(system.url).post('/v1/dev/token').send({ email: 'newcomer@example.test', username: 'newbie' }).expect(200);
    expect(minted.body).toEqual({ accessToken: expect.any(String), expiresIn: 3600 });
    const session = await request(system.url).get('/v1/session').set('authorization', `Bearer ${minted.body.accessToken}`).expect(200);
    expect(session.body).toMatchObject({
      user: { email: 'newcomer@example.test', username: 'newbie', role: 'member', workspaceId: 'local' },
      trusted: false,
      setupRequired: true,
    });
    const again = await request(system.url).post('/v1/dev/token').send({ email: 'newcomer@example.test', role: 'admin' }).expect(200);
    const second = await request(system.url).get('/v1/session').set('authorization', `Bearer ${again.body.accessToken}`).expect(200);
    expect(second.body.user).toMatchObject({ id: session.body.user.id, role: 'admin' });
  });

  it('AUTH-4 dev login validates its body', async () => {
    const response = await request(system.url).post('/v1/dev/token').send({ email: 'not-an-email', role: 'root' });
    expectProblem(response, 400, 'validation_failed');
    expect(response.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'role']);
  });
});

describe('AUTH-4 dev login switched off', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await TestSystem.start({ AUTH_DEV_LOGIN: 'false' });
  });
  afterAll(() => system.stop());

  it('AUTH-4 POST /v1/dev/token is 404 not_found when AUTH_DEV_LOGIN is not true', async () => {
    const response = await request(system.url).post('/v1/dev/token').send({ email: 'someone@example.test' });
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('not_found');
  });
});
