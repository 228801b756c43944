import type { ReactNode } from 'react';
import { ApiError } from '../api/client';
import { Link } from '../router';
import { CODE_FORMAT, DEVICE_NAME_CONTROL_CHARACTERS, DEVICE_NAME_REQUIRED, DEVICE_NAME_TOO_LONG } from './messages';

/** A clear message for an API error, next to what caused it (problem `detail`, ERR-1). */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : 'Something went wrong.';
  const { problem } = error;
  switch (problem.code) {
    case 'code_invalid': {
      const left = problem.attemptsRemaining;
      return typeof left === 'number'
        ? `That code is not right. ${left === 1 ? '1 try remains' : `${left} tries remain`}.`
        : 'That code is not right.';
    }
    case 'user_deprovisioned':
      // The help article: when a user is deprovisioned, all of their trusted sessions and devices are disabled automatically.
      return 'This account has been deprovisioned. All of its trusted sessions and devices, this one too, were disabled automatically.';
    case 'code_expired':
      return 'This code has expired or is no longer valid. Send a new code.';
    case 'validation_failed':
      return problem.errors?.length ? problem.errors.map(fieldMessage).join(' ') : (problem.detail ?? 'Please check what you entered.');
    case 'rate_limited':
    case 'too_many_attempts':
      return `${problem.detail ?? 'Too many attempts.'}${error.retryAfter ? ` Try again in ${waitText(error.retryAfter)}.` : ''}`;
    default:
      return problem.detail ?? problem.title ?? 'Something went wrong.';
  }
}

/** The server's field messages in the app's one voice (a sentence that says what to do). */
function fieldMessage({ field, message }: { field: string; message: string }): string {
  if (field === 'name') {
    if (/empty/.test(message)) return DEVICE_NAME_REQUIRED;
    if (/at most/.test(message)) return DEVICE_NAME_TOO_LONG;
    if (/control/.test(message)) return DEVICE_NAME_CONTROL_CHARACTERS;
  }
  if (field === 'code') return CODE_FORMAT;
  return /[.!?]$/.test(message) ? message : `${message.charAt(0).toUpperCase()}${message.slice(1)}.`;
}

function waitText(seconds: number): string {
  return seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
}

interface Props {
  error: unknown;
  id?: string;
  children?: ReactNode;
  /** Called when the message's own link leaves the current place (e.g. closes the dialog it is in). */
  onLeave?: () => void;
}

/** role="alert" so a screen reader announces it the moment it appears (WEB-7). */
export function ErrorMessage({ error, id, children, onLeave }: Props) {
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <div className="error" role="alert" id={id} data-code={code}>
      <p>{describeError(error)}</p>
      {code === 'device_limit_reached' && (
        <p>
          <Link to="/profile/devices" onClick={onLeave}>
            Go to My trusted devices
          </Link>
        </p>
      )}
      {children}
    </div>
  );
}
