import { useEffect, useState } from 'react';
import { api, ApiError } from '../api/client';
import { replaceDeviceKey } from '../api/device-key';
import { poll } from '../api/poll';
import { FINISHED, type Session, type SetupReply } from '../api/types';
import { Dialog } from '../ui/Dialog';
import { ErrorMessage } from '../ui/ErrorMessage';
import { APP_LABEL } from '../ui/format';
import { CodeStep } from './CodeStep';
import { IdentityStep } from './IdentityStep';
import { NameStep } from './NameStep';
import { initialStep, stepAfterPoll, type SetupStep } from './steps';

interface Props {
  session: Session;
  onSession: (session: Session) => void;
  onRemindLater: () => void;
  onClose: () => void;
}

const POLL_MS = 2000;

/** "Strengthen your account security" (SETUP-1, WEB-2): Start → Name your device → Verify your device / identity → success. */
export function SetupDialog({ session, onSession, onRemindLater, onClose }: Props) {
  const [step, setStep] = useState<SetupStep>(() => initialStep(session));
  const [status, setStatus] = useState('');
  const [error, setError] = useState<unknown>(null);

  // A pending device has no trusted session and so no event stream: it looks at its session (every 2 s, backing off on
  // failures, stopping on a refusal that retrying cannot change) to move on by itself.
  const waiting = step.kind === 'code' || step.kind === 'identity';
  useEffect(() => {
    if (!waiting) return;
    return poll(
      async () => {
        const fresh = await api.session();
        onSession(fresh);
        setStep((current) => {
          const next = stepAfterPoll(current, fresh);
          if (next.kind === 'done' && current.kind !== 'done') setStatus('Your device is approved.');
          return next;
        });
        return true;
      },
      { intervalMs: POLL_MS, maxIntervalMs: 30_000, maxFailures: 10 },
    );
  }, [waiting, onSession]);

  const goTo = (reply: SetupReply) => {
    setError(null);
    if (reply.verification.method === 'email_code') {
      setStep({ kind: 'code', device: reply.device, expiresAt: reply.verification.expiresAt });
      setStatus('A verification code was sent to your email.');
    } else {
      setStep({ kind: 'identity', device: reply.device, approvers: reply.verification.approvers });
      setStatus('Waiting for approval from a trusted device.');
    }
  };

  const setUp = async (name: string | undefined) => {
    if (session.device && FINISHED.includes(session.device.status)) await replaceDeviceKey();
    try {
      goTo(await api.setUpDevice(name));
    } catch (failure) {
      // KEY-4: a key is registered once, ever; this browser starts over with a new one.
      if (!(failure instanceof ApiError && failure.code === 'device_key_registered')) throw failure;
      await replaceDeviceKey();
      goTo(await api.setUpDevice(name));
    }
  };

  const trusted = async () => {
    const fresh = await api.session();
    onSession(fresh);
    if (fresh.device) setStep({ kind: 'done', device: fresh.device });
    setStatus('Your device is verified.');
  };

  const startOver = async () => {
    setError(null);
    try {
      if (step.kind === 'code' || step.kind === 'identity') await api.cancel(step.device.id).catch(() => undefined);
      await replaceDeviceKey();
      setStep({ kind: 'name' });
    } catch (failure) {
      setError(failure);
    }
  };

  // Escape works as Remind me later on every step; a pending setup resumes from the banner's Set up this device.
  return (
    <Dialog id="setup" title={titleOf(step)} step={step.kind} onClose={step.kind === 'done' ? onClose : onRemindLater}>
      <p className="visually-hidden" aria-live="polite" role="status">
        {status}
      </p>
      {step.kind === 'intro' && (
        <>
          <p>
            Trusted sessions help strengthen the security of your account: they make sure that everything you do comes from a device you have
            authorized. Set up a trusted session on this web app to protect your account.
          </p>
          <div className="actions">
            <button type="button" onClick={onRemindLater}>
              Remind me later
            </button>
            <button type="button" className="primary" onClick={() => setStep({ kind: 'name' })} data-autofocus>
              Start
            </button>
          </div>
        </>
      )}
      {step.kind === 'name' && <NameStep username={session.user.username} onSubmit={setUp} onRemindLater={onRemindLater} />}
      {step.kind === 'code' && (
        <CodeStep
          device={step.device}
          email={session.user.email}
          expiresAt={step.expiresAt}
          onVerified={trusted}
          onResent={(reply) => goTo(reply)}
          onStartOver={startOver}
        />
      )}
      {step.kind === 'identity' && <IdentityStep device={step.device} approvers={step.approvers} onCodeInstead={goTo} onCancel={startOver} />}
      {step.kind === 'ended' && (
        <>
          <p>
            {step.device.status === 'denied'
              ? 'This request was denied from one of your trusted devices.'
              : step.device.status === 'disabled'
                ? 'This device was disabled.'
                : 'This request has expired.'}{' '}
            To use this web app as a trusted device, set it up again.
          </p>
          <ErrorMessage error={error} />
          <div className="actions">
            <button type="button" onClick={onRemindLater}>
              Remind me later
            </button>
            <button type="button" className="primary" onClick={() => void startOver()} data-autofocus>
              Set up again
            </button>
          </div>
        </>
      )}
      {step.kind === 'done' && (
        <>
          <p className="success" role="status">
            Success! <strong>{step.device.name}</strong> ({APP_LABEL[step.device.clientType]}) is now a trusted device, and this session is
            secure.
          </p>
          <div className="actions">
            <button type="button" className="primary" onClick={onClose} data-autofocus>
              Done
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}

function titleOf(step: SetupStep): string {
  switch (step.kind) {
    case 'name':
      return 'Name your device';
    case 'code':
      return 'Verify your device';
    case 'identity':
      return 'Verify your identity';
    case 'ended':
      return 'Set up this device again';
    case 'done':
      return 'Your device is trusted';
    default:
      return 'Strengthen your account security';
  }
}
