import type { ProofKey } from '@td/contracts';
import type { IncomingMessage } from 'node:http';
import type { ProofTarget } from './dpop.verifier';

/** What became of a DPoP proof checked in full (replay included) before the route's guard ran. */
export type ProofOutcome = { key: ProofKey } | { error: unknown };

interface Prechecked {
  proof: string;
  target: ProofTarget;
  outcome: ProofOutcome;
}

const PRECHECKED = Symbol('td.prechecked-proof');
type WithPrechecked = IncomingMessage & { [PRECHECKED]?: Prechecked };

/**
 * The rate limit (SEC-9) checks a request's proof when it has a Redis round trip to make anyway:
 * the proof's replay record (KEY-3) is set in that same round trip. It leaves the outcome on the
 * request for the guard, which uses it only for this very proof, request and access token.
 */
export function rememberPrecheckedProof(request: IncomingMessage, proof: string, target: ProofTarget, outcome: ProofOutcome): void {
  (request as WithPrechecked)[PRECHECKED] = { proof, target, outcome };
}

export function precheckedProof(request: IncomingMessage, proof: string, target: ProofTarget): ProofOutcome | null {
  const prechecked = (request as WithPrechecked)[PRECHECKED];
  if (
    !prechecked ||
    prechecked.proof !== proof ||
    prechecked.target.method !== target.method ||
    prechecked.target.path !== target.path ||
    prechecked.target.accessToken !== target.accessToken
  )
    return null;
  return prechecked.outcome;
}
