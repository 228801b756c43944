import { useRef, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client';
import type { Device } from '../api/types';
import { ErrorMessage } from '../ui/ErrorMessage';
import { APP_LABEL, disabledHow, formatTime, STATUS_LABEL } from '../ui/format';
import { DEVICE_NAME_REQUIRED } from '../ui/messages';

interface Props {
  device: Device;
  canManage: boolean;
  onChanged: (message: string) => Promise<void>;
  /** Loads the list again (after a refusal that says this row is out of date). */
  onReload: () => Promise<void>;
  onDisable: (device: Device) => void;
  /** Deny asks first, like Disable (the parent shows the confirmation). */
  onDeny: (device: Device) => void;
}

/**
 * One device in My trusted devices (WEB-4). A pending approval shows Approve and Deny
 * when the row is hovered or anything in it has keyboard focus (CSS :focus-within),
 * beside its fingerprint words, IP and time (APPROVE-5).
 */
export function DeviceRow({ device, canManage, onChanged, onReload, onDisable, onDeny }: Props) {
  const [renaming, setRenaming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const titleId = `device-${device.id}-name`;
  const row = useRef<HTMLLIElement>(null);

  const act = async (action: () => Promise<unknown>, message: string): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await action();
      await onChanged(message);
      // WEB-7: the buttons pressed are gone now; focus stays on the row instead of falling to the page.
      row.current?.focus();
      return true;
    } catch (failure) {
      setError(failure);
      row.current?.focus();
      // The row was out of date (the request changed meanwhile): show it as it is now.
      if (failure instanceof ApiError && (failure.code === 'invalid_device_state' || failure.code === 'not_found')) await onReload();
      return false;
    } finally {
      setBusy(false);
    }
  };

  const pendingApproval = device.status === 'pending_approval';
  return (
    <li
      ref={row}
      className={`device status-${device.status}`}
      tabIndex={pendingApproval ? 0 : -1}
      aria-labelledby={titleId}
      data-device-id={device.id}
    >
      <div className="device-main">
        <h3 id={titleId}>
          {device.name}
          {device.current && <span className="tag">This device</span>}
        </h3>
        <span className={`status status-${device.status}`}>{STATUS_LABEL[device.status]}</span>
      </div>
      <dl className="device-facts">
        <dt>App</dt>
        <dd>{APP_LABEL[device.clientType]}</dd>
        <dt>OS/browser</dt>
        <dd>
          {device.os}/{device.browser}
        </dd>
        <dt>Last seen</dt>
        <dd>{formatTime(device.lastSeenAt)}</dd>
        {device.status === 'disabled' && (
          <>
            <dt>Disabled</dt>
            <dd>{disabledHow(device)}</dd>
          </>
        )}
        {device.status.startsWith('pending') && (
          <>
            <dt>Requested</dt>
            <dd>{formatTime(device.createdAt)}</dd>
            <dt>IP address</dt>
            <dd>{device.lastIp ?? 'Unknown'}</dd>
            <dt>Words</dt>
            <dd className="fingerprint" data-testid="fingerprint">
              {device.fingerprint}
            </dd>
          </>
        )}
      </dl>
      {canManage && pendingApproval && (
        <div className="row-actions reveal">
          <button
            type="button"
            className="primary"
            aria-disabled={busy || undefined}
            onClick={() => !busy && void act(() => api.approve(device.id), `${device.name} was approved.`)}
          >
            Approve
          </button>
          <button type="button" aria-disabled={busy || undefined} onClick={() => !busy && onDeny(device)}>
            Deny
          </button>
        </div>
      )}
      {canManage && device.status === 'approved' && !renaming && (
        <div className="row-actions">
          <button type="button" onClick={() => setRenaming(true)} aria-label={`Rename ${device.name}`}>
            Rename
          </button>
          <button type="button" className="danger" onClick={() => onDisable(device)} aria-label={`Disable ${device.name}`}>
            Disable
          </button>
        </div>
      )}
      {renaming && (
        <RenameForm
          device={device}
          onCancel={() => setRenaming(false)}
          onSave={(name) => act(() => api.rename(device.id, name), `Renamed to ${name}.`).then((ok) => ok && setRenaming(false))}
        />
      )}
      <ErrorMessage error={inUserTerms(error, device)} />
    </li>
  );
}

function RenameForm({ device, onSave, onCancel }: { device: Device; onSave: (name: string) => Promise<unknown>; onCancel: () => void }) {
  const [name, setName] = useState(device.name);
  const inputId = `rename-${device.id}`;
  const [error, setError] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return setError(DEVICE_NAME_REQUIRED);
    setError('');
    void onSave(name.trim());
  };
  return (
    <form className="rename" onSubmit={submit} onKeyDown={(event) => event.key === 'Escape' && onCancel()}>
      <label htmlFor={inputId}>New name</label>
      <input
        id={inputId}
        value={name}
        maxLength={64}
        onChange={(event) => setName(event.target.value)}
        aria-invalid={Boolean(error) || undefined}
        aria-describedby={error ? `${inputId}-error` : undefined}
        autoFocus
      />
      <button type="submit" className="primary">
        Save
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      {error && (
        <p className="error" role="alert" id={`${inputId}-error`}>
          {error}
        </p>
      )}
    </form>
  );
}

/**
 * A refused action on a device that changed meanwhile (Approve, Deny, Rename, Disable), said in the user's terms
 * from the device as the list now shows it; `verb` is what was asked of a pending request.
 */
export function inUserTerms(error: unknown, device: Device, verb: 'approve' | 'deny' = 'approve'): unknown {
  if (!(error instanceof ApiError && error.code === 'invalid_device_state')) return error;
  switch (device.status) {
    case 'pending_verification':
      return new Error(`This request was switched to an email code; there is nothing to ${verb}.`);
    case 'approved':
      return new Error('This request was already approved.');
    case 'denied':
      return new Error('This request was already denied.');
    case 'expired':
      return new Error(`This request has expired or was cancelled; there is nothing to ${verb}.`);
    case 'disabled':
      return new Error('This device was disabled.');
    default:
      return error;
  }
}
