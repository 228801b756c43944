import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { subscribeDeviceEvents } from '../api/events';
import type { Device, Session } from '../api/types';
import { ConfirmDialog } from '../ui/Dialog';
import { ErrorMessage } from '../ui/ErrorMessage';
import { DeviceRow, inUserTerms } from './DeviceRow';

interface Confirming {
  action: 'disable' | 'deny';
  device: Device;
}

/** The status a confirmed action leaves the device in. */
const DONE_STATUS = { disable: 'disabled', deny: 'denied' } as const satisfies Record<Confirming['action'], Device['status']>;

interface Props {
  session: Session;
  onSetUp: () => void;
}

/** My profile → My trusted devices (WEB-4, MANAGE-1): the list, live (APPROVE-1). */
export function MyProfile({ session, onSetUp }: Props) {
  const [devices, setDevices] = useState<Device[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [confirming, setConfirming] = useState<Confirming | null>(null);
  const [confirmError, setConfirmError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  /** Whether the open confirmation went through: then the button that asked is gone and focus returns to the row. */
  const confirmed = useRef(false);
  /** The confirmation open now (an answer that arrives after it closed, or after another opened, closes nothing). */
  const open = useRef(confirming);
  open.current = confirming;

  const load = useCallback(async () => {
    try {
      setDevices((await api.devices()).devices);
      setError(null);
    } catch (failure) {
      setError(failure);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load, session.trusted, session.device?.id]);
  useEffect(() => subscribeDeviceEvents(() => void load()), [load]);

  const afterAction = async (message: string) => {
    setNotice(message);
    await load();
  };

  const ask = (action: Confirming['action'], device: Device) => {
    confirmed.current = false;
    setConfirmError(null);
    setConfirming({ action, device });
  };
  /** The confirmation's change is done (here or elsewhere): close it, focus goes to the row as it now is. */
  const done = ({ action, device }: Confirming) => {
    setNotice(`${device.name} was ${DONE_STATUS[action]}.`);
    confirmed.current = true;
    setConfirming(null);
  };

  // The device the open confirmation is about, as the list now shows it: already in the state asked for (another
  // device did it, or this one's answer was lost on the way), there is nothing left to confirm.
  useEffect(() => {
    if (confirming && devices?.some((device) => device.id === confirming.device.id && device.status === DONE_STATUS[confirming.action]))
      done(confirming);
  }, [confirming, devices]);

  const confirm = async () => {
    if (!confirming) return;
    const { action, device } = confirming;
    setBusy(true);
    setConfirmError(null);
    try {
      await (action === 'disable' ? api.disable(device.id) : api.deny(device.id));
      // The list first, then close: focus then returns to the row as it now is.
      await load();
      if (open.current === confirming) done(confirming);
    } catch (failure) {
      setConfirmError(failure);
      // The change may have gone through all the same (a lost answer): the list tells, and closes the dialog if so.
      await load();
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="profile-title">
      <h1 id="profile-title" tabIndex={-1}>
        My profile
      </h1>
      <nav className="tabs" aria-label="Profile">
        <a href="/profile/devices" aria-current="page">
          My trusted devices
        </a>
      </nav>
      <div className="section-head">
        <h2>My trusted devices</h2>
        {!session.trusted && (
          <button type="button" className="primary" onClick={onSetUp}>
            Set up this device
          </button>
        )}
      </div>
      {!session.trusted && <p className="hint">Approving, renaming and disabling devices needs a trusted session on this web app.</p>}
      <p className="notice" role="status" aria-live="polite">
        {notice}
      </p>
      <ErrorMessage error={error} />
      {devices === null ? (
        !error && <p role="status">Loading your devices…</p>
      ) : devices.length === 0 ? (
        <p>You have no devices yet.</p>
      ) : (
        <ul className="device-list" aria-label="My trusted devices">
          {devices.map((device) => (
            <DeviceRow
              key={device.id}
              device={device}
              canManage={session.trusted}
              onChanged={afterAction}
              onReload={load}
              onDisable={(device) => ask('disable', device)}
              onDeny={(device) => ask('deny', device)}
            />
          ))}
        </ul>
      )}
      {confirming && (
        <ConfirmDialog
          id="confirm-device"
          title={confirming.action === 'disable' ? 'Disable this device?' : 'Deny this request?'}
          confirmLabel={confirming.action === 'disable' ? 'Disable device' : 'Deny request'}
          busy={busy}
          error={
            <ErrorMessage
              error={inUserTerms(
                confirmError,
                devices?.find((device) => device.id === confirming.device.id) ?? confirming.device,
                confirming.action === 'deny' ? 'deny' : 'approve',
              )}
            />
          }
          onConfirm={() => void confirm()}
          onCancel={() => (setConfirming(null), setConfirmError(null))}
          returnFocus={() => {
            // Cancelled: back to the button that asked. Done: to the row, whose element stays across list reloads; the
            // button is gone, and a list answer read before the change could briefly put it back, only to remove it (with
            // the focus) on the next event.
            const row = document.querySelector<HTMLElement>(`[data-device-id="${confirming.device.id}"]`);
            if (confirmed.current) return row;
            return (
              row?.querySelector<HTMLElement>(
                confirming.action === 'disable' ? 'button.danger' : '.row-actions.reveal button:last-child',
              ) ?? row
            );
          }}
        >
          {confirming.action === 'disable' ? (
            <p>
              <strong>{confirming.device.name}</strong> will stop being a trusted device at once. It cannot be enabled again: to use it, set
              it up again as a new device.
            </p>
          ) : (
            <p>
              <strong>{confirming.device.name}</strong> will not become a trusted device. Deny it if you do not recognize the request or its
              words: <span className="fingerprint">{confirming.device.fingerprint}</span>.
            </p>
          )}
        </ConfirmDialog>
      )}
    </section>
  );
}
