import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client';
import { REGISTERED_STATUSES, type Device } from '../api/types';
import { ErrorMessage } from '../ui/ErrorMessage';
import { suggestedDeviceName } from '../ui/format';
import { DEVICE_NAME_REQUIRED } from '../ui/messages';

interface Props {
  username: string;
  /** Shown again for a request already registered (the article's "I don't have access to my trusted device"): its name, as registered. */
  registered?: Device;
  onSubmit: (name: string | undefined) => Promise<void>;
  onRemindLater: () => void;
}

/**
 * "Name your device" (SETUP-2): the default name filled in is the name the service will register — the same
 * rule (libs/contracts), with ` (2)`, ` (3)`… when one of the user's devices already has it.
 */
export function NameStep({ username, registered, onSubmit, onRemindLater }: Props) {
  const suggested = useSuggestedName(username, registered);
  const [name, setName] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const field = useRef<HTMLInputElement>(null);
  const shown = registered?.name ?? name ?? suggested ?? '';

  const fail = (failure: unknown) => {
    setError(failure);
    setBusy(false);
    // WEB-7: focus stays in the dialog, on the field the message is about.
    field.current?.focus();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const trimmed = shown.trim();
    if (!trimmed) return fail(new Error(DEVICE_NAME_REQUIRED));
    setBusy(true);
    setError(null);
    try {
      // Left as suggested, the service makes the name (the same one, kept unique if another device took it meanwhile).
      await onSubmit(registered || trimmed === suggested ? undefined : trimmed);
    } catch (failure) {
      fail(failure);
    }
  };

  const nameError = error instanceof ApiError && (error.code === 'device_name_taken' || error.code === 'validation_failed');
  return (
    <form onSubmit={(event) => void submit(event)} noValidate>
      {registered ? (
        <p>This device is registered with the name below. Select Next to get a verification code by email instead.</p>
      ) : (
        <p>Choose a name you will recognize, such as the name of your web browser. Device names must be unique.</p>
      )}
      <label htmlFor="device-name">Device name</label>
      <input
        id="device-name"
        name="deviceName"
        ref={field}
        value={shown}
        readOnly={Boolean(registered)}
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
        {/* aria-disabled, not disabled, while busy: a disabled button drops the keyboard focus to the page. */}
        <button type="submit" className="primary" aria-disabled={busy || undefined}>
          {busy ? 'Setting up…' : 'Next'}
        </button>
      </div>
    </form>
  );
}

/** The default name, made free of the user's registered devices' names (GET /v1/devices needs no trusted session). */
function useSuggestedName(username: string, registered: Device | undefined): string | null {
  const [suggested, setSuggested] = useState<string | null>(null);
  useEffect(() => {
    if (registered) return;
    let current = true;
    void api
      .devices()
      .then(({ devices }) => devices.filter((device) => REGISTERED_STATUSES.includes(device.status)).map((device) => device.name))
      .catch(() => [])
      .then((taken) => current && setSuggested(suggestedDeviceName(username, taken)));
    return () => {
      current = false;
    };
  }, [username, registered]);
  return suggested;
}
