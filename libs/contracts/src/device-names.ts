import { UAParser } from 'ua-parser-js';
import type { ClientType } from './words';

/**
 * SETUP-2's default device name, one rule for the device service (which registers it)
 * and the web app (which shows it before Next): the name shown is the name registered.
 */

/** SETUP-2: names are 1–64 characters (code points, as Postgres varchar(64) counts them). */
export const DEVICE_NAME_MAX_LENGTH = 64;

/**
 * "Control characters" (SETUP-2): C0/C1 controls, plus the line/paragraph separators and
 * the bidirectional overrides and isolates, which can make a name read differently from
 * what it is (a phishing aid on the approver's screen). Other format characters such as
 * the zero-width joiner stay allowed: emoji sequences need them.
 */
export const FORBIDDEN_NAME_CHARACTERS = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

export const APP_LABELS: Record<ClientType, string> = {
  web: 'Web app',
  extension: 'Browser extension',
  mobile: 'Mobile app',
};

const codePoints = (text: string): string[] => Array.from(text);

/**
 * Parsed User-Agents: ua-parser's regular expressions cost more CPU than the rest of a setup's own
 * work, and a user's (or a fleet's) clients send the same few strings (issue 12). Bounded: emptied when full.
 */
const DESCRIBED = new Map<string, { os: string; browser: string }>();
const DESCRIBED_MAX = 1000;

/** OS and browser names from a User-Agent, `Unknown` when it does not tell (SETUP-2, APPROVE-5). */
export function describeUserAgent(userAgent: string | null): { os: string; browser: string } {
  if (!userAgent) return parseUserAgent(null);
  let described = DESCRIBED.get(userAgent);
  if (!described) {
    if (DESCRIBED.size >= DESCRIBED_MAX) DESCRIBED.clear();
    described = parseUserAgent(userAgent);
    DESCRIBED.set(userAgent, described);
  }
  return { ...described };
}

function parseUserAgent(userAgent: string | null): { os: string; browser: string } {
  const result = userAgent ? new UAParser(userAgent).getResult() : null;
  const clean = (value: string | undefined): string => {
    const text = (value ?? '').replace(new RegExp(FORBIDDEN_NAME_CHARACTERS, 'gu'), '').trim();
    return text ? codePoints(text).slice(0, DEVICE_NAME_MAX_LENGTH).join('') : 'Unknown';
  };
  return { os: clean(result?.os.name), browser: clean(result?.browser.name) };
}

/** `{username} {app} - {os}/{browser}`, cut to leave room for a ` (n)` suffix (SETUP-2). */
export function defaultDeviceName(username: string, clientType: ClientType, os: string, browser: string): string {
  const cleanUsername = username.normalize('NFC').replace(new RegExp(FORBIDDEN_NAME_CHARACTERS, 'gu'), '').trim();
  const full = `${cleanUsername} ${APP_LABELS[clientType]} - ${os}/${browser}`.trim();
  return codePoints(full).slice(0, DEVICE_NAME_MAX_LENGTH).join('').trim();
}

/**
 * The n-th candidate for a default name: the base itself, then `base (2)`, `base (3)`…,
 * the base cut so that the whole stays within 64 characters.
 */
export function nameCandidate(base: string, n: number): string {
  if (n <= 1) return base;
  const suffix = ` (${n})`;
  const room = DEVICE_NAME_MAX_LENGTH - suffix.length;
  return `${codePoints(base).slice(0, room).join('').trimEnd()}${suffix}`;
}

/** The first candidate no registered device holds (names compare ignoring case, as the unique index does). */
export function firstFreeName(base: string, takenNames: readonly string[]): string {
  const taken = new Set(takenNames.map((name) => name.toLowerCase()));
  for (let n = 1; ; n += 1) {
    const candidate = nameCandidate(base, n);
    if (!taken.has(candidate.toLowerCase())) return candidate;
  }
}
