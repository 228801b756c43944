import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api/client';
import { replaceDeviceKey } from '../api/device-key';
import { poll } from '../api/poll';
import { FINISHED, type Device, type Session, type SetupReply } from '../api/types';
import { Dialog } from '../ui/Dialog';
import { ErrorMessage } from '../ui/ErrorMessage';
import { CodeStep } from './CodeStep';
import { IdentityStep } from './IdentityStep';
import { NameStep } from './NameStep';
import { initialStep, rememberSetup, stepAfterPoll, type SetupStep } from './steps';

interface Props {
  session: Session;
  onSession: (session: Session) => void;
  onRemindLater: () => void;
  /** The device is trusted: the dialog closes and the page shows the success message (the article's order). */
  onTrusted: (device: Device) => void;
  /** Where focus goes when the dialog closes (WEB-7). */
  returnFocus: () => HTMLElement | null | undefined;
}

const POLL_MS = 2000;

/** "Strengthen your account security" (SETUP-1, WEB-2): Start → Name your device → Verify your device / identity → success. */
export function SetupDialog({ session, onSession, onRemindLater, onTrusted, returnFocus }: Props) {
  const [step, setStep] = useState<SetupStep>(() => initialStep(session));
  const [status, setStatus] = useState('');
  const [error, setError] = useState<unknown>(null);
  const trusted = useRef(onTrusted);
  trusted.current = onTrusted;

  // A pending device has no trusted session and so no event stream: it looks at its session (every 2 s, backing off on
  // failures, stopping on a refusal that retrying cannot change) to move on by itself.
  const waiting = step.kind === 'code' || step.kind === 'identity' || (step.kind === 'name' && step.device !== undefined);
  useEffect(() => {
    if (!waiting) return;
    return poll(
      async () => {
        const fresh = await api.session();
        onSession(fresh);
        setStep((current) => stepAfterPoll(current, fresh));
        return true;
      },
      { intervalMs: POLL_MS, maxIntervalMs: 30_000, maxFailures: 10 },
    );
  }, [waiting, onSession]);

  // The article: once trusted, the dialog closes and a success message is displayed.
  useEffect(() => {
    if (step.kind === 'done') trusted.current(step.device);
  }, [step]);

  const goTo = (reply: SetupReply) => {
    setError(null);
    // The app knows this device at once, so a dialog closed and reopened before the next look resumes here.
    onSession({ ...session, device: reply.device });
    if (reply.verification.method === 'email_code') {
      rememberSetup(reply.device.id, { expiresAt: reply.verification.expiresAt });
      setStep({ kind: 'code', device: reply.device, expiresAt: reply.verification.expiresAt });
      setStatus('A verification code was sent to your email.');
    } else {
      rememberSetup(reply.device.id, { approvers: reply.verification.approvers });
      setStep({ kind: 'identity', device: reply.device, approvers: reply.verification.approvers });
      setStatus('Waiting for approval from a trusted device.');
    }
  };

  const setUp = async (name: string | undefined) => {
    if (step.kind === 'name' && step.device) return goTo(await api.sendEmailCode(step.device.id));
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

  const verified = async () => {
    const fresh = await api.session();
    onSession(fresh);
    if (fresh.device) setStep({ kind: 'done', device: fresh.device });
  };

  const startOver = async () => {
    setError(null);
    setStatus('');
    try {
      if (step.kind === 'code' || step.kind === 'identity') await api.cancel(step.device.id).catch(() => undefined);
      await replaceDeviceKey();
      setStep({ kind: 'name' });
    } catch (failure) {
      setError(failure);
    }
  };

  // Escape works as Remind me later on every step; a pending setup resumes from the banner's Set up this device.
  // The name step shown again for a registered request has its own key, so focus moves to its field.
  const stepKey = step.kind === 'name' && step.device ? 'name-again' : step.kind;
  return (
    <Dialog id="setup" title={titleOf(step)} step={stepKey} onClose={onRemindLater} returnFocus={returnFocus}>
      <p className="visually-hidden" aria-live="polite" role="status">
        {status}
      </p>
      {step.kind === 'intro' && (
        <>
          <p>
            Trusted sessions help strengthen the security of your account: they make sure that everything you do comes from a device you
            have authorized. Set up a trusted session on this web app to protect your account.
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
      {step.kind === 'name' && (
        <NameStep key={stepKey} username={session.user.username} registered={step.device} onSubmit={setUp} onRemindLater={onRemindLater} />
      )}
      {step.kind === 'code' && (
        <CodeStep
          device={step.device}
          email={session.user.email}
          expiresAt={step.expiresAt}
          onVerified={verified}
          onResent={(reply) => goTo(reply)}
          onStartOver={startOver}
        />
      )}
      {step.kind === 'identity' && (
        <IdentityStep
          device={step.device}
          approvers={step.approvers}
          onNoAccess={(approvers) => (setStatus(''), setStep({ kind: 'name', device: step.device, approvers }))}
          onCancel={startOver}
        />
      )}
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
    case 'done':
      return 'Verify your identity';
    case 'ended':
      return 'Set up this device again';
    default:
      return 'Strengthen your account security';
  }
}
