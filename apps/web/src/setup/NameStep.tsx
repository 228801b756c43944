import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { ErrorMessage } from '../ui/ErrorMessage';
import { suggestedDeviceName } from '../ui/format';

interface Props {
  username: string;
  onSubmit: (name: string | undefined) => Promise<void>;
  onRemindLater: () => void;
}

/** "Name your device" (SETUP-2): the default name is filled in; left as suggested, the server makes it (and keeps it unique). */
export function NameStep({ username, onSubmit, onRemindLater }: Props) {
  const suggested = suggestedDeviceName(username);
  const [name, setName] = useState(suggested);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) {
      setError(new Error('Enter a name for your device.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSubmit(trimmed === suggested ? undefined : trimmed);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  const nameError = error instanceof ApiError && (error.code === 'device_name_taken' || error.code === 'validation_failed');
  return (
    <form onSubmit={submit} noValidate>
      <p>Choose a name you will recognize, such as the name of your web browser. Device names must be unique.</p>
      <label htmlFor="device-name">Device name</label>
      <input
        id="device-name"
        name="deviceName"
        value={name}
        maxLength={64}
        onChange={(event) => setName(event.target.value)}
        aria-invalid={nameError || undefined}
        aria-describedby={error ? 'device-name-error' : undefined}
        data-autofocus
      />
      <ErrorMessage error={error} id="device-name-error" onLeave={onRemindLater} />
      <div className="actions">
        <button type="button" onClick={onRemindLater}>
          Remind me later
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Setting up…' : 'Next'}
        </button>
      </div>
    </form>
  );
}
