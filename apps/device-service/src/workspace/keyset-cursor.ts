import { DomainError } from '@td/common';
import { ErrorCode } from '@td/contracts';

/**
 * A page boundary for lists ordered newest first by (time, id): the last row's time
 * (microsecond text, as Postgres keeps it) and id. Rows inserted later sort before the
 * boundary, so following pages neither repeat nor skip rows (ADMIN-1, ADMIN-3).
 */
export interface KeysetPosition {
  at: string;
  id: string;
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** SQL for a row's time in the cursor's form (UTC, microseconds). */
export const cursorTime = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;

/** Whether the cursor's time is a real one: "2026-02-30" or hour 25 would make Postgres fail (ERR-2). */
function isRealTime(at: string): boolean {
  const [date, time] = at.split('T');
  const [year, month, day] = date.split('-').map(Number);
  const [hour, minute, second] = time.slice(0, 8).split(':').map(Number);
  const parsed = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return (
    year >= 1 &&
    parsed.getUTCFullYear() === year &&
    parsed.getUTCMonth() === month - 1 &&
    parsed.getUTCDate() === day &&
    parsed.getUTCHours() === hour &&
    parsed.getUTCMinutes() === minute &&
    parsed.getUTCSeconds() === second
  );
}

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): KeysetPosition | null {
  if (cursor === undefined || cursor === '') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'string' ||
    typeof parsed[1] !== 'string' ||
    !TIME.test(parsed[0]) ||
    !isRealTime(parsed[0]) ||
    !UUID.test(parsed[1])
  ) {
    throw DomainError.of(ErrorCode.validationFailed, 'The request is not valid.', {
      extensions: { errors: [{ field: 'cursor', message: 'cursor is not one this API returned' }] },
    });
  }
  return { at: parsed[0], id: parsed[1] };
}
