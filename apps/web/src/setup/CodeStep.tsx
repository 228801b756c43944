import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client';
import type { Device, SetupReply } from '../api/types';
import { ErrorMessage } from '../ui/ErrorMessage';
import { formatCountdown } from '../ui/format';

interface Props {
  device: Device;
  email: string;
  /** When the code lapses; null after a reload (the code's expiry is not part of the device). */
  expiresAt: string | null;
  onVerified: () => Promise<void>;
  onResent: (reply: SetupReply) => void;
  onStartOver: () => Promise<void>;
}

/** "Verify your device" (CODE-3, CODE-4): the code field, where it went, a live countdown and Resend code. */
export function CodeStep({ device, email, expiresAt, onVerified, onResent, onStartOver }: Props) {
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [resendError, setResendError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const left = useCountdown(expiresAt);
  const expired = expiresAt !== null && left <= 0;

  const verify = async (event: FormEvent) => {
    event.preventDefault();
    if (!/^\d{6}$/.test(code.trim())) {
      setError(new Error('Enter the 6-digit code from the email.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.verify(device.id, code.trim());
      await onVerified();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  const resend = async () => {
    setResendError(null);
    setNotice('');
    try {
      const reply = await api.sendEmailCode(device.id);
      setCode('');
      setError(null);
      setNotice(`A new code was sent to ${email}.`);
      onResent(reply);
    } catch (failure) {
      setResendError(failure);
    }
  };

  const codeExpired = expired || (error instanceof ApiError && (error.code === 'code_expired' || error.code === 'too_many_attempts'));
  return (
    <form onSubmit={verify} noValidate>
      <p>
        We sent a verification code to <strong>{email}</strong>. Copy it from the email and enter it below.
      </p>
      {expiresAt && (
        <p role="timer" className={expired ? 'countdown expired' : 'countdown'}>
          {expired ? 'The code has expired.' : `The code expires in ${formatCountdown(left)}.`}
        </p>
      )}
      <label htmlFor="verification-code">Verification code</label>
      <input
        id="verification-code"
        name="code"
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
      <ErrorMessage error={error} id="verification-code-error">
        {codeExpired && (
          <button type="button" className="link" onClick={() => void resend()}>
            Send a new code
          </button>
        )}
      </ErrorMessage>
      <p className="notice" role="status" aria-live="polite">
        {notice}
      </p>
      <ErrorMessage error={resendError} />
      <div className="actions">
        <button type="button" className="link" onClick={() => void onStartOver()}>
          Start over
        </button>
        <button type="button" onClick={() => void resend()}>
          Resend code
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Verifying…' : 'Verify code'}
        </button>
      </div>
    </form>
  );
}

function useCountdown(until: string | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!until) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  return until ? new Date(until).getTime() - now : Infinity;
}
