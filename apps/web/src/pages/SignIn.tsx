import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { ErrorMessage } from '../ui/ErrorMessage';

interface Props {
  note: string;
  onSignedIn: (accessToken: string) => void;
}

/** The gateway marks the page "dev" when AUTH_DEV_LOGIN is on (AUTH-4); otherwise the identity provider's token is pasted. */
const devLogin = document.querySelector('meta[name="td-auth-mode"]')?.getAttribute('content') === 'dev';

export function SignIn({ note, onSignedIn }: Props) {
  return (
    <main className="page narrow" id="main">
      <h1>Sign in to Trusted Devices</h1>
      {note && (
        <p className="notice" role="status">
          {note}
        </p>
      )}
      {devLogin ? (
        <>
          <DevLoginForm onSignedIn={onSignedIn} />
          <details>
            <summary>Use an access token instead</summary>
            <TokenForm onSignedIn={onSignedIn} />
          </details>
        </>
      ) : (
        <TokenForm onSignedIn={onSignedIn} />
      )}
    </main>
  );
}

function DevLoginForm({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [email, setEmail] = useState('');
  const [username, setUsername] = useState('');
  const [workspaceId, setWorkspaceId] = useState('');
  const [role, setRole] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = {
        email: email.trim(),
        username: username.trim() || undefined,
        workspaceId: workspaceId.trim() || undefined,
        role: role || undefined,
      };
      onSignedIn((await api.devToken(body)).accessToken);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} aria-labelledby="dev-login-title">
      <h2 id="dev-login-title">Local mode sign-in</h2>
      <p>Dev login is on: sign in with any email address. Never use this mode in production.</p>
      <label htmlFor="email">Email</label>
      <input id="email" type="email" required autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
      <label htmlFor="username">Username (optional)</label>
      <input id="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} />
      <label htmlFor="workspace">Workspace (optional)</label>
      <input id="workspace" value={workspaceId} onChange={(e) => setWorkspaceId(e.target.value)} />
      <label htmlFor="role">Role (optional)</label>
      <select id="role" value={role} onChange={(e) => setRole(e.target.value)}>
        <option value="">Default</option>
        <option value="member">Member</option>
        <option value="admin">Admin</option>
        <option value="owner">Owner</option>
      </select>
      <ErrorMessage error={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </div>
    </form>
  );
}

function TokenForm({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = token.trim().replace(/^Bearer\s+/i, '');
    if (trimmed.split('.').length !== 3) {
      setError(new Error('That does not look like an access token (a JWT has three parts separated by dots).'));
      return;
    }
    onSignedIn(trimmed);
  };

  return (
    <form onSubmit={submit} aria-labelledby="token-title">
      <h2 id="token-title">Sign in with your access token</h2>
      <label htmlFor="access-token">Access token from your identity provider</label>
      <textarea
        id="access-token"
        rows={4}
        value={token}
        onChange={(e) => setToken(e.target.value)}
        aria-describedby={error ? 'access-token-error' : undefined}
      />
      <ErrorMessage error={error} id="access-token-error" />
      <div className="actions">
        <button type="submit" className="primary">
          Sign in
        </button>
      </div>
    </form>
  );
}
