import { useState } from 'react';
import { api } from '../api/client';
import type { ClientType, Device, SetupReply } from '../api/types';
import { ErrorMessage } from '../ui/ErrorMessage';
import { formatTime } from '../ui/format';
import { approverText } from './steps';

interface Props {
  device: Device;
  approvers: ClientType[];
  onCodeInstead: (reply: SetupReply) => void;
  onCancel: () => Promise<void>;
}

/** "Verify your identity" (SETUP-4, APPROVE-5): approve from a trusted device that shows the same words. */
export function IdentityStep({ device, approvers, onCodeInstead, onCancel }: Props) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const noAccess = async () => {
    setBusy(true);
    setError(null);
    try {
      onCodeInstead(await api.sendEmailCode(device.id));
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <div>
      <p>
        Approve this device from a trusted session on <strong>{approverText(approvers)}</strong>: open <strong>My profile</strong> →{' '}
        <strong>My trusted devices</strong>, find this device with the <strong>Pending approval</strong> status and select{' '}
        <strong>Approve</strong>.
      </p>
      <p id="fingerprint-label">Make sure the request you approve shows these words:</p>
      <p className="fingerprint" aria-labelledby="fingerprint-label" data-testid="fingerprint">
        {device.fingerprint}
      </p>
      {device.expiresAt && <p>This request expires at {formatTime(device.expiresAt)}.</p>}
      <p className="waiting" role="status">
        <span className="spinner" aria-hidden="true" /> Waiting for approval… this dialog moves on by itself.
      </p>
      <ErrorMessage error={error} />
      <div className="actions">
        <button type="button" className="link" onClick={() => void onCancel()}>
          Cancel request
        </button>
        <button type="button" onClick={() => void noAccess()} disabled={busy} data-autofocus>
          I don’t have access to my trusted device
        </button>
      </div>
    </div>
  );
}
