import { randomUUID } from 'node:crypto';
import type { ClientType } from '@td/contracts';
import { waitUntil, type TestUserClaims } from '@td/testing';
import type { Response } from 'supertest';
import { ApiClient } from './api-client';
import type { TestSystem } from './system';

/** An admin (or owner) of a fresh workspace on a trusted web session: what the admin API needs. */
export async function trustedAdmin(system: TestSystem, claims: Partial<TestUserClaims> = {}): Promise<ApiClient> {
  const admin = await ApiClient.signIn(system, 'web', { role: 'admin', ...claims });
  await admin.becomeTrusted();
  return admin;
}

/** Another person of the same workspace as `of`, on a fresh client app. */
export function colleague(of: ApiClient, clientType: ClientType = 'web', claims: Partial<TestUserClaims> = {}): Promise<ApiClient> {
  const id = randomUUID().slice(0, 8);
  return ApiClient.signIn(of.system, clientType, { wid: of.user.wid, sub: `user-${id}`, email: `user-${id}@example.test`, ...claims });
}

export type Query = Record<string, string | number>;

function withQuery(path: string, query: Query): string {
  const search = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
  return search ? `${path}?${search}` : path;
}

export function listWorkspaceDevices(admin: ApiClient, query: Query = {}): Promise<Response> {
  return admin.call('get', withQuery('/v1/workspace/devices', query));
}

export function listAudit(admin: ApiClient, query: Query = {}): Promise<Response> {
  return admin.call('get', withQuery('/v1/workspace/audit', query));
}

export function deprovision(admin: ApiClient, userId: string): Promise<Response> {
  return admin.call('post', `/v1/workspace/users/${encodeURIComponent(userId)}/deprovision`);
}

/** Polls the job endpoint until the cascade has completed; returns the last job view. */
export async function jobCompleted(
  admin: ApiClient,
  jobId: string,
  timeoutMs = 20000,
): Promise<{ id: string; state: string; progress: { disabled: number; total: number } }> {
  return waitUntil(
    async () => {
      const response = await admin.call('get', `/v1/workspace/jobs/${jobId}`);
      if (response.status !== 200) throw new Error(`job answered ${response.status} ${JSON.stringify(response.body)}`);
      return response.body.state === 'completed' ? response.body : undefined;
    },
    timeoutMs,
    100,
  );
}
