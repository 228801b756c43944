import type { INestApplication } from '@nestjs/common';
import { Command } from '@td/contracts';
import { createTestEnv, DeviceKey, LogCapture, mintToken, newUser, type LogLine, type TestEnv } from '@td/testing';
import { connect, type NatsConnection } from 'nats';
import { request as httpRequest } from 'node:http';
import request from 'supertest';
import { FakeDeviceService } from '../../test/fake-device-service';
import { createGateway } from '../bootstrap';
import { loadGatewayConfig } from '../config';

const ORIGIN = 'http://gateway.test';

/** OPS-2 in the gateway alone: its access line, and its own lines written while handling a request, carry the request's id. */
describe('gateway access log and request context (OPS-2)', () => {
  const logs = new LogCapture();
  let testEnv: TestEnv;
  let app: INestApplication;
  let url: string;
  let nats: NatsConnection;
  let fake: FakeDeviceService;
  let token: string;
  let key: DeviceKey;

  beforeAll(async () => {
    testEnv = await createTestEnv();
    app = await createGateway(loadGatewayConfig({ ...testEnv.env, PUBLIC_URL: ORIGIN, LOG_LEVEL: 'info' }), { logStream: logs });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    nats = await connect({ servers: testEnv.natsUrl });
    fake = new FakeDeviceService(nats, testEnv.natsPrefix)
      .on(Command.deviceList, () => ({ devices: [] }))
      .on(Command.deviceGetKeyEnvelope, () => ({ error: { code: 'internal_error', detail: 'the database said no' } }))
      .on(Command.deviceRename, () => ({ error: { code: 'internal_error', detail: 'the rename went wrong' } }));
    await fake.flush();
    token = await mintToken(testEnv.env.AUTH_JWT_SECRET, newUser());
    key = await DeviceKey.create();
  });
  afterAll(async () => {
    await fake?.stop();
    await nats?.drain();
    await app?.close();
    await testEnv?.cleanup();
  });

  const withId = (requestId: string) => (line: LogLine) => line.requestId === requestId;

  it('OPS-2 one access line per request: request id, method, path without the query, status, duration; never the credentials', async () => {
    const requestId = `access-${Date.now()}`;
    const proof = await key.proof('GET', `${ORIGIN}/v1/devices`, token);
    const response = await request(url)
      .get('/v1/devices?email=someone@example.test')
      .set('authorization', `Bearer ${token}`)
      .set('dpop', proof)
      .set('x-request-id', requestId);
    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toBe(requestId);
    const line = await logs.next((l) => withId(requestId)(l) && l.msg === 'request completed');
    expect(line).toMatchObject({ level: 30, service: 'gateway', req: { method: 'GET', path: '/v1/devices' }, res: { status: 200 } });
    expect(typeof line.durationMs).toBe('number');
    expect(logs.lines.filter(withId(requestId)).filter((l) => l.msg === 'request completed')).toHaveLength(1);
    expect(logs.text).not.toContain(token);
    expect(logs.text).not.toContain(proof);
    expect(logs.text).not.toContain('someone@example.test');
  });

  it("OPS-2 a 5xx: the gateway's own error line and the access line ('request failed', error level) carry the request id", async () => {
    const requestId = `failed-${Date.now()}`;
    const response = await request(url)
      .get('/v1/devices/current/key-envelope')
      .set('authorization', `Bearer ${token}`)
      .set('dpop', await key.proof('GET', `${ORIGIN}/v1/devices/current/key-envelope`, token))
      .set('x-request-id', requestId);
    expect(response.status).toBe(500);
    expect(await logs.next((l) => withId(requestId)(l) && l.msg === 'request failed')).toMatchObject({ level: 50, res: { status: 500 } });
    expect(await logs.next((l) => withId(requestId)(l) && String(l.msg).includes('internal error from a service'))).toMatchObject({
      context: 'ProblemFilter',
    });
  });

  it('OPS-2 a body that arrives after the headers: lines written while handling the request still carry its id', async () => {
    const requestId = `late-body-${Date.now()}`;
    const path = '/v1/devices/00000000-0000-4000-8000-000000000000';
    const body = JSON.stringify({ name: 'Laptop' });
    const status = await new Promise<number>((resolve, reject) => {
      void key.proof('PATCH', `${ORIGIN}${path}`, token).then((proof) => {
        const req = httpRequest(`${url}${path}`, {
          method: 'PATCH',
          headers: {
            authorization: `Bearer ${token}`,
            dpop: proof,
            'x-request-id': requestId,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        });
        req.on('response', (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        req.on('error', reject);
        req.flushHeaders();
        // The body in a later packet: the gateway reads it from the socket, not from what came with the headers.
        setTimeout(() => req.end(body), 200);
      }, reject);
    });
    expect(status).toBe(500);
    expect(await logs.next((l) => withId(requestId)(l) && String(l.msg).includes('the rename went wrong'))).toMatchObject({
      context: 'ProblemFilter',
    });
  });
});
