import { DeviceKey } from '@td/testing';
import type { TestSystem } from '../support/system';
import { codeMailsFor } from './flows';

/** Another person's devices, made over the API as their own client apps would (so a page has something to show). */
export class ApiUser {
  private constructor(
    private readonly system: TestSystem,
    readonly email: string,
    readonly token: string,
  ) {}

  static async signIn(
    system: TestSystem,
    email: string,
    workspaceId: string,
    role: 'member' | 'admin' | 'owner' = 'member',
    username?: string,
  ): Promise<ApiUser> {
    const response = await fetch(`${system.url}/v1/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, workspaceId, role, username }),
    });
    if (!response.ok) throw new Error(`dev token: ${response.status} ${await response.text()}`);
    return new ApiUser(system, email, ((await response.json()) as { accessToken: string }).accessToken);
  }

  async call<T>(key: DeviceKey, method: string, path: string, body?: unknown): Promise<T> {
    const url = `${this.system.url}${path}`;
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        dpop: await key.proof(method, url, this.token),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** The user's id (the token's `sub`), as GET /v1/session tells it (a proof is optional there). */
  async id(): Promise<string> {
    const response = await fetch(`${this.system.url}/v1/session`, { headers: { authorization: `Bearer ${this.token}` } });
    if (!response.ok) throw new Error(`session: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { user: { id: string } }).user.id;
  }

  /** As an admin with an approved web device: deprovisions another user of the workspace (DEPROV-1). */
  async deprovision(adminKey: DeviceKey, userId: string): Promise<void> {
    await this.call(adminKey, 'POST', `/v1/workspace/users/${encodeURIComponent(userId)}/deprovision`);
  }

  /** A device left pending (verification or approval, as the service decides). */
  async pendingDevice(name: string, clientType = 'web'): Promise<{ key: DeviceKey; id: string }> {
    const key = await DeviceKey.create();
    const { device } = await this.call<{ device: { id: string } }>(key, 'POST', '/v1/devices', { clientType, name });
    return { key, id: device.id };
  }

  /** A device approved with the emailed code. */
  async approvedDevice(name: string, clientType = 'web'): Promise<{ key: DeviceKey; id: string }> {
    const before = codeMailsFor(this.system, this.email);
    const device = await this.pendingDevice(name, clientType);
    const code = await this.system.mail.codeFor(this.email, 15_000, before);
    await this.call(device.key, 'POST', `/v1/devices/${device.id}/verify`, { code });
    return device;
  }
}
