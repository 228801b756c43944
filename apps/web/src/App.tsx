import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, onApiError } from './api/client';
import { openDeviceEvents, publishDeviceEvent, type DeviceEvent } from './api/events';
import { tokenStore } from './api/token';
import type { Device, Session } from './api/types';
import { AdminPage } from './pages/AdminPage';
import { Header } from './pages/Header';
import { Home } from './pages/Home';
import { NotFound } from './pages/NotFound';
import { MyProfile } from './pages/MyProfile';
import { SignIn } from './pages/SignIn';
import { usePath } from './router';
import { SetupDialog } from './setup/SetupDialog';
import { ErrorMessage } from './ui/ErrorMessage';
import { APP_LABEL, disabledHow } from './ui/format';

const REMIND_LATER = 'td.remindLater';

export function App() {
  const [token, setToken] = useState(tokenStore.get);
  const [session, setSession] = useState<Session | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [signInNote, setSignInNote] = useState('');
  const [setupOpen, setSetupOpen] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const [liveNote, setLiveNote] = useState('');
  const [success, setSuccess] = useState<Device | null>(null);
  const successBox = useRef<HTMLDivElement>(null);
  const path = usePath();

  const signOut = useCallback((note = '') => {
    tokenStore.clear();
    sessionStorage.removeItem(REMIND_LATER);
    setToken(null);
    setSession(null);
    setSetupOpen(false);
    setSuccess(null);
    setSignInNote(note);
  }, []);

  // One look at the session at a time: whoever asks meanwhile shares the answer.
  const inFlight = useRef<Promise<Session | null> | null>(null);
  const refreshSession = useCallback(() => {
    inFlight.current ??= (async () => {
      try {
        const fresh = await api.session();
        setLoadError(null);
        setSession(fresh);
        return fresh;
      } catch (error) {
        // unauthenticated signs out and a 403 user_deprovisioned ends the app (the error listener below does both); others show.
        if (!(error instanceof ApiError && (error.code === 'unauthenticated' || error.code === 'user_deprovisioned'))) setLoadError(error);
        return null;
      } finally {
        inFlight.current = null;
      }
    })();
    return inFlight.current;
  }, []);

  useEffect(() => {
    if (!token) return;
    void refreshSession().then((fresh) => {
      if (fresh && !fresh.trusted && sessionStorage.getItem(REMIND_LATER) !== 'yes') setSetupOpen(true);
    });
  }, [token, refreshSession]);

  // A device can lose trust at any time (disabled elsewhere, KEY-5): any call that says so makes the app look again.
  useEffect(
    () =>
      onApiError((error) => {
        if (error.code === 'unauthenticated') signOut('Your sign-in has expired. Please sign in again.');
        else if (error.code === 'user_deprovisioned') {
          // AUTH-3: final. Nothing of the app is usable any more, only signing out is left; asking again changes nothing.
          setSession(null);
          setLoadError(error);
        } else if (error.code === 'trusted_session_required') void refreshSession();
      }),
    [signOut, refreshSession],
  );

  const trusted = session?.trusted === true;
  // Trust lost (disabled elsewhere): an earlier "Success! … this session is secure" is no longer true.
  const wasTrusted = useRef(false);
  useEffect(() => {
    if (wasTrusted.current && session && !trusted) setSuccess(null);
    wasTrusted.current = trusted;
  }, [session, trusted]);
  const currentDeviceId = useRef<string | undefined>(undefined);
  currentDeviceId.current = session?.device?.id;
  useEffect(() => {
    if (!trusted) return;
    return openDeviceEvents({
      onEvent: (event) => {
        publishDeviceEvent(event);
        setAnnouncement(describeEvent(event));
        if (event.device.id === currentDeviceId.current && event.type !== 'device.approved') void refreshSession();
      },
      onRefused: () => void refreshSession(),
      onGiveUp: () => setLiveNote('Live updates stopped: the server could not be reached. Reload the page to see the latest changes.'),
      onState: (connected) => connected && setLiveNote(''),
    });
  }, [trusted, refreshSession]);

  if (!token) {
    return (
      <SignIn note={signInNote} onSignedIn={(accessToken) => (tokenStore.set(accessToken), setSignInNote(''), setToken(accessToken))} />
    );
  }
  if (!session) {
    return (
      <main className="page narrow">
        {loadError ? (
          <ErrorMessage error={loadError}>
            <button type="button" onClick={() => signOut()}>
              Sign out
            </button>
          </ErrorMessage>
        ) : (
          <p role="status">Loading…</p>
        )}
      </main>
    );
  }

  const remindLater = () => {
    sessionStorage.setItem(REMIND_LATER, 'yes');
    setSetupOpen(false);
  };
  const openSetup = () => setSetupOpen(true);

  return (
    <>
      <Header session={session} onSignOut={() => signOut()} />
      {!trusted && !setupOpen && (
        <div className="banner" role="region" aria-label="Session security">
          <p>
            <strong>Your current session is not secure.</strong> {endedText(session.device)}Set up a trusted session on this device to
            protect your account.
          </p>
          <button type="button" onClick={openSetup} data-setup-opener>
            Set up this device
          </button>
        </div>
      )}
      <ErrorMessage error={loadError} />
      {liveNote && (
        <p className="notice page-note" role="status">
          {liveNote}
        </p>
      )}
      {success && (
        <div className="success-box" role="status" tabIndex={-1} ref={successBox} aria-labelledby="success-title">
          <p id="success-title">
            <strong>Success!</strong> {success.name} ({APP_LABEL[success.clientType]}) is now a trusted device, and this session is secure.
          </p>
          <button
            type="button"
            onClick={() => (setSuccess(null), document.querySelector<HTMLElement>('main h1')?.focus())}
            aria-label="Dismiss the success message"
          >
            Dismiss
          </button>
        </div>
      )}
      <main className="page" id="main">
        {path.startsWith('/profile') ? (
          <MyProfile session={session} onSetUp={openSetup} />
        ) : path.startsWith('/admin') ? (
          <AdminPage session={session} path={path} />
        ) : path === '/' ? (
          <Home session={session} onSetUp={openSetup} />
        ) : (
          <NotFound />
        )}
      </main>
      <p className="visually-hidden" aria-live="polite" role="status">
        {announcement}
      </p>
      {setupOpen && (
        <SetupDialog
          session={session}
          onSession={setSession}
          onRemindLater={remindLater}
          onTrusted={(device) => {
            setSuccess(device);
            setSetupOpen(false);
            void refreshSession();
          }}
          returnFocus={() => successBox.current ?? document.querySelector<HTMLElement>('[data-setup-opener]')}
        />
      )}
    </>
  );
}

function describeEvent({ type, device }: DeviceEvent): string {
  switch (type) {
    case 'device.pending_approval':
      return `${device.name} is waiting for your approval.`;
    case 'device.pending_verification':
      return `${device.name} is now waiting for an email code instead of your approval.`;
    case 'device.approved':
      return `${device.name} was approved.`;
    case 'device.denied':
      return `${device.name} was denied.`;
    case 'device.disabled':
      return `${device.name} was disabled.`;
    default:
      return `${device.name} has expired.`;
  }
}

/** Why a device that was trusted no longer is, said on the page itself (not only to screen readers). */
function endedText(device: Device | null): string {
  if (!device) return '';
  switch (device.status) {
    case 'disabled': {
      const how = disabledHow(device);
      return `This device was disabled${how ? ` ${how}` : ''}. `;
    }
    case 'denied':
      return `The request for this device (${device.name}) was denied. `;
    case 'expired':
      return `The request for this device (${device.name}) expired or was cancelled. `;
    default:
      return '';
  }
}
