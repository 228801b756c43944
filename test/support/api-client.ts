import type { Agent, ClientRequest } from 'node:http';
import type { ClientType, DeviceView } from '@td/contracts';
import { DeviceKey, newUser, mintToken, type MailCatcher, type TestUserClaims } from '@td/testing';
import request, { type Response } from 'supertest';
import { SseClient } from './sse';

/**
 * What a client app talks to: `url` is where requests go; proofs are bound to
 * `publicUrl` when it differs (several gateways behind one public origin).
 */
export interface SystemUnderTest {
  readonly url: string;
  readonly publicUrl?: string;
  readonly env: Record<string, string>;
  readonly mail: MailCatcher;
}

/** What each client app sends as User-Agent; device-service names devices from it (SETUP-2). */
export const USER_AGENTS: Record<ClientType, string> = {
  web: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  extension: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  mobile:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
};

type Method = 'get' | 'post' | 'patch' | 'delete';

export interface CallOptions {
  body?: unknown;
  /** true: sign with this app's key (default); false: no DPoP header; a string: this DPoP header as is. */
  proof?: boolean | string;
  /** Another access token, or null for none. */
  token?: string | null;
  /** Extra request headers (e.g. `Idempotency-Key`). */
  headers?: Record<string, string>;
  /** The HTTP agent (e.g. keep-alive); default: a fresh connection per request. */
  agent?: Agent;
  /** Sees the underlying request once it exists (e.g. to read `reusedSocket` after a reset). */
  onRequest?: (request: ClientRequest) => void;
}

/**
 * One client app of one person, as the help article describes it: it holds the
 * person's access token and its own device key, and signs every request with a
 * DPoP proof bound to `system.url + path` (KEY-2).
 */
export class ApiClient {
  /** The device this app set up, once it has. */
  device?: DeviceView;

  private constructor(
    readonly system: SystemUnderTest,
    readonly user: TestUserClaims,
    readonly token: string,
    readonly key: DeviceKey,
    readonly clientType: ClientType,
  ) {}

  /** A fresh user (or the given claims) signed in on a fresh client app. */
  static async signIn(system: SystemUnderTest, clientType: ClientType = 'web', claims: Partial<TestUserClaims> = {}): Promise<ApiClient> {
    const user = newUser(claims);
    return new ApiClient(system, user, await mintToken(system.env.AUTH_JWT_SECRET, user), await DeviceKey.create(), clientType);
  }

  /** The same person on another client app (its own key). */
  async anotherApp(clientType: ClientType = this.clientType): Promise<ApiClient> {
    return new ApiClient(this.system, this.user, this.token, await DeviceKey.create(), clientType);
  }

  /** The same app after the IdP issued a new token with these claims (AUTH-2). */
  async withClaims(claims: Partial<TestUserClaims>): Promise<ApiClient> {
    const user = { ...this.user, ...claims };
    const client = new ApiClient(this.system, user, await mintToken(this.system.env.AUTH_JWT_SECRET, user), this.key, this.clientType);
    client.device = this.device;
    return client;
  }

  proofFor(method: string, path: string, token: string | null = this.token): Promise<string> {
    return this.key.proof(method.toUpperCase(), `${this.system.publicUrl ?? this.system.url}${path.split('?')[0]}`, token ?? undefined);
  }

  async call(method: Method, path: string, options: CallOptions = {}): Promise<Response> {
    const token = options.token === undefined ? this.token : options.token;
    let req = request(this.system.url)[method](path).set('user-agent', USER_AGENTS[this.clientType]);
    if (token) req = req.set('authorization', `Bearer ${token}`);
    const proof = options.proof ?? true;
    for (const [name, value] of Object.entries(options.headers ?? {})) req = req.set(name, value);
    if (options.agent) req = req.agent(options.agent);
    const { onRequest } = options;
    if (onRequest) req.on('request', (sent: { req: ClientRequest }) => onRequest(sent.req));
    if (proof) req = req.set('dpop', typeof proof === 'string' ? proof : await this.proofFor(method, path, token));
    return options.body === undefined ? req : req.send(options.body as object);
  }

  // The steps of the help article, one method each.

  async setUp(name?: string): Promise<Response> {
    const response = await this.call('post', '/v1/devices', {
      body: name === undefined ? { clientType: this.clientType } : { clientType: this.clientType, name },
    });
    if (response.status === 201) this.device = response.body.device;
    return response;
  }

  verify(code: string, deviceId = this.deviceId): Promise<Response> {
    return this.call('post', `/v1/devices/${deviceId}/verify`, { body: { code } });
  }

  sendEmailCode(deviceId = this.deviceId): Promise<Response> {
    return this.call('post', `/v1/devices/${deviceId}/email-code`);
  }

  approve(deviceId: string, keyEnvelope?: string): Promise<Response> {
    return this.call('post', `/v1/devices/${deviceId}/approve`, { body: keyEnvelope === undefined ? {} : { keyEnvelope } });
  }

  deny(deviceId: string): Promise<Response> {
    return this.call('post', `/v1/devices/${deviceId}/deny`);
  }

  cancel(deviceId = this.deviceId): Promise<Response> {
    return this.call('delete', `/v1/devices/${deviceId}`);
  }

  keyEnvelope(): Promise<Response> {
    return this.call('get', '/v1/devices/current/key-envelope');
  }

  list(options: CallOptions = {}): Promise<Response> {
    return this.call('get', '/v1/devices', options);
  }

  session(options: CallOptions = {}): Promise<Response> {
    return this.call('get', '/v1/session', options);
  }

  rename(deviceId: string, name: string): Promise<Response> {
    return this.call('patch', `/v1/devices/${deviceId}`, { body: { name } });
  }

  disable(deviceId: string): Promise<Response> {
    return this.call('post', `/v1/devices/${deviceId}/disable`);
  }

  async events(): Promise<SseClient> {
    return SseClient.open(`${this.system.url}/v1/events`, {
      authorization: `Bearer ${this.token}`,
      dpop: await this.proofFor('GET', '/v1/events'),
    });
  }

  /** The code of the next verification email to this user, sent by `action` (read from the mail, as the user would). */
  async nextCode<T>(action: () => Promise<T>): Promise<{ result: T; code: string }> {
    const before = this.system.mail.messages.filter((m) => m.to.includes(this.user.email) && /\b\d{6}\b/.test(m.text)).length;
    const result = await action();
    return { result, code: await this.system.mail.codeFor(this.user.email, 15000, before) };
  }

  /** Sets this app up and confirms it with the emailed code: it is then a trusted session. */
  async becomeTrusted(name?: string): Promise<DeviceView> {
    const { result, code } = await this.nextCode(() => this.setUp(name));
    if (result.status !== 201 || result.body.verification.method !== 'email_code') {
      throw new Error(`setup answered ${result.status} ${JSON.stringify(result.body)}`);
    }
    const verified = await this.verify(code);
    if (verified.status !== 200) throw new Error(`verify answered ${verified.status} ${JSON.stringify(verified.body)}`);
    this.device = verified.body.device;
    return verified.body.device;
  }

  get deviceId(): string {
    if (!this.device) throw new Error('this app has not set up a device yet');
    return this.device.id;
  }
}
