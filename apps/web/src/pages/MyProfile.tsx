import { useCallback, useEffect, useState } from 'react';
import { api } from '../api/client';
import { subscribeDeviceEvents } from '../api/events';
import type { Device, Session } from '../api/types';
import { ConfirmDialog } from '../ui/Dialog';
import { ErrorMessage } from '../ui/ErrorMessage';
import { DeviceRow } from './DeviceRow';

interface Props {
  session: Session;
  onSetUp: () => void;
}

/** My profile → My trusted devices (WEB-4, MANAGE-1): the list, live (APPROVE-1). */
export function MyProfile({ session, onSetUp }: Props) {
  const [devices, setDevices] = useState<Device[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [disabling, setDisabling] = useState<Device | null>(null);
  const [disableError, setDisableError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

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

  const confirmDisable = async () => {
    if (!disabling) return;
    setBusy(true);
    setDisableError(null);
    try {
      await api.disable(disabling.id);
      const name = disabling.name;
      setDisabling(null);
      await afterAction(`${name} was disabled.`);
    } catch (failure) {
      setDisableError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="profile-title">
      <h1 id="profile-title">My profile</h1>
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
            <DeviceRow key={device.id} device={device} canManage={session.trusted} onChanged={afterAction} onReload={load} onDisable={setDisabling} />
          ))}
        </ul>
      )}
      {disabling && (
        <ConfirmDialog
          id="confirm-disable"
          title="Disable this device?"
          confirmLabel="Disable device"
          busy={busy}
          error={<ErrorMessage error={disableError} />}
          onConfirm={() => void confirmDisable()}
          onCancel={() => (setDisabling(null), setDisableError(null))}
        >
          <p>
            <strong>{disabling.name}</strong> will stop being a trusted device at once. It cannot be enabled again: to use it, set it up
            again as a new device.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
