import { createProof } from './device-key';
import { tokenStore } from './token';
import type { AuditEvent, Device, Job, Problem, Session, SetupReply, WorkspaceDevicesPage } from './types';

/** Every failed call, carrying the server's problem document (ERR-1) so the screen can explain it. */
export class ApiError extends Error {
  constructor(
    readonly problem: Problem,
    readonly retryAfter: number | null = null,
  ) {
    super(problem.detail ?? problem.title ?? `Request failed (${problem.status})`);
  }
  get code(): string | undefined {
    return this.problem.code;
  }
}

type Listener = (error: ApiError) => void;
const listeners = new Set<Listener>();
/** The app listens here for 401 (sign in again) and lost trust (refresh the session). */
export function onApiError(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export type Query = Record<string, string | number | undefined | null>;

/** Signed request headers for `path`: the token and a fresh DPoP proof from this browser's key (WEB-6). */
export async function authHeaders(method: string, path: string): Promise<Record<string, string>> {
  const token = tokenStore.get();
  if (!token) return {};
  return { authorization: `Bearer ${token}`, dpop: await createProof(method, path, token) };
}

async function call<T>(method: string, path: string, options: { body?: unknown; query?: Query; signed?: boolean } = {}): Promise<T> {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(options.query ?? {}))
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  const url = search.size ? `${path}?${search}` : path;
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...(options.signed === false ? {} : await authHeaders(method, path)),
  };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  } catch {
    throw new ApiError({ status: 0, title: 'Network error', detail: 'Could not reach the server. Check your connection and try again.' });
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const body: unknown = text ? safeJson(text) : undefined;
  if (response.ok) return body as T;
  const problem: Problem = isProblem(body)
    ? body
    : { status: response.status, title: response.statusText, detail: `The server answered ${response.status}.` };
  const retryAfter = Number(response.headers.get('retry-after')) || null;
  const error = new ApiError(problem, retryAfter);
  listeners.forEach((listener) => listener(error));
  throw error;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isProblem(body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && typeof (body as Problem).status === 'number';
}

const enc = encodeURIComponent;

export const api = {
  devToken: (body: { email: string; username?: string; workspaceId?: string; role?: string }) =>
    call<{ accessToken: string; expiresIn: number }>('POST', '/v1/dev/token', { body, signed: false }),
  session: () => call<Session>('GET', '/v1/session'),
  setUpDevice: (name?: string) =>
    call<SetupReply>('POST', '/v1/devices', { body: name === undefined ? { clientType: 'web' } : { clientType: 'web', name } }),
  verify: (id: string, code: string) => call<{ device: Device }>('POST', `/v1/devices/${enc(id)}/verify`, { body: { code } }),
  sendEmailCode: (id: string) => call<SetupReply>('POST', `/v1/devices/${enc(id)}/email-code`),
  cancel: (id: string) => call<void>('DELETE', `/v1/devices/${enc(id)}`),
  approve: (id: string) => call<{ device: Device }>('POST', `/v1/devices/${enc(id)}/approve`, { body: {} }),
  deny: (id: string) => call<{ device: Device }>('POST', `/v1/devices/${enc(id)}/deny`),
  devices: () => call<{ devices: Device[] }>('GET', '/v1/devices'),
  rename: (id: string, name: string) => call<{ device: Device }>('PATCH', `/v1/devices/${enc(id)}`, { body: { name } }),
  disable: (id: string) => call<{ device: Device }>('POST', `/v1/devices/${enc(id)}/disable`),
  workspaceDevices: (query: Query) => call<WorkspaceDevicesPage>('GET', '/v1/workspace/devices', { query }),
  workspaceDisable: (id: string) => call<{ device: Device }>('POST', `/v1/workspace/devices/${enc(id)}/disable`),
  deprovision: (userId: string) => call<{ jobId: string }>('POST', `/v1/workspace/users/${enc(userId)}/deprovision`),
  job: (jobId: string) => call<Job>('GET', `/v1/workspace/jobs/${enc(jobId)}`),
  audit: (query: Query) => call<{ events: AuditEvent[]; nextCursor: string | null }>('GET', '/v1/workspace/audit', { query }),
};
