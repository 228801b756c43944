import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { AuditEvent } from '../api/types';
import { ErrorMessage } from '../ui/ErrorMessage';
import { formatTime } from '../ui/format';
import { personLabel, UserPicker, type WorkspaceUser } from './UserPicker';

/** The audit actions of API.md, in plain words; the code itself shows as a tooltip. */
const ACTIONS: Record<string, string> = {
  'device.setup': 'Device set up',
  'device.code_sent': 'Verification code sent',
  'device.verified': 'Device verified with a code',
  'device.approved': 'Device approved',
  'device.denied': 'Device denied',
  'device.renamed': 'Device renamed',
  'device.disabled': 'Device disabled',
  'device.expired': 'Request expired or cancelled',
  'user.deprovisioned': 'User deprovisioned',
};

interface Names {
  users: Map<string, WorkspaceUser>;
  devices: Map<string, string>;
}

/** The workspace audit log (ADMIN-3): who did what to which device, when, from where. */
export function AuditLog() {
  const [action, setAction] = useState('');
  const [user, setUser] = useState<WorkspaceUser | null>(null);
  const [query, setQuery] = useState({ action: '', userId: '' });
  const names = useNames();
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(
    async (cursor: string | null) => {
      try {
        const page = await api.audit({ ...query, limit: 50, cursor });
        setEvents((previous) => (cursor && previous ? [...previous, ...page.events] : page.events));
        setNextCursor(page.nextCursor);
        setError(null);
      } catch (failure) {
        setError(failure);
      }
    },
    [query],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setQuery({ action, userId: user?.id ?? '' });
  };

  return (
    <div>
      <form className="filters" onSubmit={submit} aria-label="Filter the audit log">
        <div>
          <label htmlFor="audit-action">Action</label>
          <select id="audit-action" value={action} onChange={(e) => setAction(e.target.value)}>
            <option value="">All actions</option>
            {Object.entries(ACTIONS).map(([code, words]) => (
              <option key={code} value={code}>
                {words}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="audit-user">User</label>
          <UserPicker id="audit-user" value={user} onChange={setUser} />
        </div>
        <div className="filter-actions">
          <button type="submit" className="primary">
            Apply filters
          </button>
        </div>
      </form>
      <ErrorMessage error={error} />
      {events && events.length === 0 && <p>No audit events match.</p>}
      {events && events.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Audit log</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Action</th>
                <th scope="col">Actor</th>
                <th scope="col">Target</th>
                <th scope="col">IP</th>
                <th scope="col">User agent</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr key={event.id}>
                  <td className="nowrap">{formatTime(event.at)}</td>
                  <td>
                    <span title={event.action} data-action={event.action}>
                      {ACTIONS[event.action] ?? event.action}
                    </span>
                  </td>
                  <td>{who(event.actor, names)}</td>
                  <td>{who(event.target, names)}</td>
                  <td>{event.ip ?? '—'}</td>
                  <td className="ua" title={event.userAgent ?? undefined}>
                    {event.userAgent ?? '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {nextCursor && (
        <button type="button" onClick={() => void load(nextCursor)}>
          Load more
        </button>
      )}
    </div>
  );
}

/** People by name and email, devices by name (from the workspace's device list); an id only when nothing else is known. */
function who({ userId, deviceId }: { userId: string | null; deviceId: string | null }, names: Names) {
  if (!userId && !deviceId) return 'System';
  const user = userId ? names.users.get(userId) : undefined;
  const device = deviceId ? names.devices.get(deviceId) : undefined;
  return (
    <span className="ids">
      {userId && <span title={userId}>{user ? personLabel(user) : `User ${short(userId)}`}</span>}
      {deviceId && <span title={deviceId}>{device ?? `Device ${deviceId.slice(0, 8)}`}</span>}
    </span>
  );
}

/** Names for the ids of the audit log: the workspace's devices and their people (one page of up to 200). */
function useNames(): Names {
  const [names, setNames] = useState<Names>({ users: new Map(), devices: new Map() });
  useEffect(() => {
    let current = true;
    api
      .workspaceDevices({ limit: 200 })
      .then((page) => {
        if (!current) return;
        setNames({
          users: new Map(page.devices.map((device) => [device.user.id, device.user])),
          devices: new Map(page.devices.map((device) => [device.id, device.name])),
        });
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, []);
  return names;
}

function short(id: string): string {
  return id.length > 14 ? `${id.slice(0, 12)}…` : id;
}
