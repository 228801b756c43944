import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client';
import type { Device, SetupReply } from '../api/types';
import { ErrorMessage } from '../ui/ErrorMessage';
import { formatCountdown } from '../ui/format';
import { CODE_FORMAT } from '../ui/messages';

interface Props {
  device: Device;
  email: string;
  /** When the code lapses; null when not known (a code asked for in another tab). */
  expiresAt: string | null;
  onVerified: () => Promise<void>;
  onResent: (reply: SetupReply) => void;
  onStartOver: () => Promise<void>;
}

/**
 * "Verify your device" (CODE-3, CODE-4): the code field, where it went, a live countdown, and Resend code —
 * counting down and unavailable while the server says to wait, the main action once the code has expired.
 */
export function CodeStep({ device, email, expiresAt, onVerified, onResent, onStartOver }: Props) {
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [resendError, setResendError] = useState<unknown>(null);
  const [resendAllowedAt, setResendAllowedAt] = useState<number | null>(null);
  const [notice, setNotice] = useState('');
  const field = useRef<HTMLInputElement>(null);
  const now = useNow(expiresAt !== null || resendAllowedAt !== null);
  const left = expiresAt ? new Date(expiresAt).getTime() - now : Infinity;
  const expired = left <= 0;
  const waitSeconds = resendAllowedAt ? Math.ceil((resendAllowedAt - now) / 1000) : 0;
  const resendBlocked = waitSeconds > 0;

  const verify = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const fail = (failure: unknown) => {
      setError(failure);
      setBusy(false);
      // WEB-7: focus stays in the dialog, on the field the message is about.
      field.current?.focus();
    };
    if (!/^\d{6}$/.test(code.trim())) return fail(new Error(CODE_FORMAT));
    setBusy(true);
    setError(null);
    try {
      await api.verify(device.id, code.trim());
      await onVerified();
    } catch (failure) {
      fail(failure);
    }
  };

  const resend = async () => {
    if (resendBlocked) return;
    setResendError(null);
    setNotice('');
    try {
      const reply = await api.sendEmailCode(device.id);
      setCode('');
      setError(null);
      setResendAllowedAt(null);
      setNotice(`A new code was sent to ${email}.`);
      onResent(reply);
      field.current?.focus();
    } catch (failure) {
      setResendError(failure);
      if (failure instanceof ApiError && failure.retryAfter) setResendAllowedAt(Date.now() + failure.retryAfter * 1000);
    }
  };

  const codeExpired = expired || (error instanceof ApiError && (error.code === 'code_expired' || error.code === 'too_many_attempts'));
  const resendLabel = resendBlocked ? `Resend code (${waitSeconds} s)` : 'Resend code';
  return (
    <form onSubmit={(event) => void verify(event)} noValidate>
      <p>
        We sent a verification code to <strong>{email}</strong>. Copy it from the email and enter it below.
      </p>
      {expiresAt && (
        <p role="timer" aria-live="off" className={expired ? 'countdown expired' : 'countdown'}>
          {expired ? 'The code has expired.' : `The code expires in ${formatCountdown(left)}.`}
        </p>
      )}
      <label htmlFor="verification-code">Verification code</label>
      <input
        id="verification-code"
        name="code"
        ref={field}
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="\d{6}"
        maxLength={6}
        value={code}
        onChange={(event) => setCode(event.target.value.replace(/\D/g, ''))}
        aria-invalid={Boolean(error) || undefined}
        aria-describedby={error ? 'verification-code-error' : undefined}
        data-autofocus
      />
      <ErrorMessage error={error} id="verification-code-error" />
      <p className="notice" role="status" aria-live="polite">
        {notice}
      </p>
      {resendError !== null &&
        (resendBlocked ? (
          <div className="error" role="alert" data-code="rate_limited">
            <p>Too many codes were sent. You can ask for a new code in {waitSeconds === 1 ? '1 second' : `${waitSeconds} seconds`}.</p>
          </div>
        ) : (
          !(resendError instanceof ApiError && resendError.retryAfter) && <ErrorMessage error={resendError} />
        ))}
      <div className="actions">
        <button type="button" className="link" onClick={() => void onStartOver()}>
          Start over
        </button>
        {/* aria-disabled, not disabled: a disabled button would drop the keyboard focus to the page. */}
        <button
          type="button"
          className={codeExpired ? 'primary' : undefined}
          aria-disabled={resendBlocked || undefined}
          onClick={() => void resend()}
        >
          {resendLabel}
        </button>
        <button
          type={codeExpired ? 'button' : 'submit'}
          className={codeExpired ? undefined : 'primary'}
          aria-disabled={busy || codeExpired || undefined}
          onClick={codeExpired ? () => field.current?.focus() : undefined}
        >
          {busy ? 'Verifying…' : 'Verify code'}
        </button>
      </div>
    </form>
  );
}

/** The current time, ticking every second while `running`. */
function useNow(running: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);
  return now;
}
