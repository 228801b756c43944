import type { DeviceKey } from '@td/testing';

export interface Signer {
  token: string;
  key: DeviceKey;
}

/** One API call as a client makes it: bearer token, a DPoP proof signed now for this URL, JSON in and out. */
/** The fields of API replies the bench reads. */
export interface ReplyBody {
  device?: { id: string };
  code?: string;
}

export async function call(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  signer: Signer,
  body?: unknown,
): Promise<{ status: number; body: ReplyBody }> {
  const url = `${base}${path}`;
  const proof = await signer.key.proof(method, url, signer.token);
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${signer.token}`,
      dpop: proof,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as ReplyBody) : {} };
}
