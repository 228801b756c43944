import { useEffect, useState } from 'react';
import { api } from '../api/client';
import type { ClientType, Device } from '../api/types';
import { formatTime } from '../ui/format';
import { approversAmong, approverText, rememberSetup } from './steps';

interface Props {
  device: Device;
  /** From the setup's answer; empty when not known (a reopened request), then read from the user's devices. */
  approvers: ClientType[];
  onNoAccess: (approvers: ClientType[]) => void;
  onCancel: () => Promise<void>;
}

/** "Verify your identity" (SETUP-4, APPROVE-5): approve from a trusted device that shows the same name and words. */
export function IdentityStep({ device, approvers: given, onNoAccess, onCancel }: Props) {
  const approvers = useApprovers(device.id, given);

  return (
    <div>
      <p>
        Approve this device from a trusted session on <strong>{approvers ? approverText(approvers) : 'your trusted device'}</strong>: open{' '}
        <strong>My profile</strong> → <strong>My trusted devices</strong>, find this device with the <strong>Pending approval</strong>{' '}
        status and select <strong>Approve</strong>.
      </p>
      <dl className="request-facts">
        <dt>Device name</dt>
        <dd data-testid="device-name">{device.name}</dd>
      </dl>
      <p id="fingerprint-label">Make sure the request you approve shows these words:</p>
      <p className="fingerprint" aria-labelledby="fingerprint-label" data-testid="fingerprint">
        {device.fingerprint}
      </p>
      {device.expiresAt && <p>This request expires at {formatTime(device.expiresAt)}.</p>}
      <p className="waiting" role="status">
        <span className="spinner" aria-hidden="true" /> Waiting for approval… this dialog moves on by itself.
      </p>
      <div className="actions">
        <button type="button" className="link" onClick={() => void onCancel()}>
          Cancel request
        </button>
        <button type="button" onClick={() => onNoAccess(approvers ?? [])} data-autofocus>
          I don’t have access to my trusted device
        </button>
      </div>
    </div>
  );
}

/** The approvers the setup answered with, or (reopened later) the user's approved web and mobile apps. */
function useApprovers(deviceId: string, given: ClientType[]): ClientType[] | null {
  const [found, setFound] = useState<ClientType[] | null>(given.length ? given : null);
  useEffect(() => {
    if (given.length) return;
    let current = true;
    api
      .devices()
      .then(({ devices }) => {
        const approvers = approversAmong(devices);
        if (!current || !approvers.length) return;
        rememberSetup(deviceId, { approvers });
        setFound(approvers);
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [deviceId, given]);
  return found;
}
