import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { AuditEvent } from '../api/types';
import { ErrorMessage } from '../ui/ErrorMessage';
import { formatTime } from '../ui/format';

const ACTIONS = ['device.setup', 'device.code_sent', 'device.verified', 'device.approved', 'device.denied', 'device.renamed', 'device.disabled', 'device.expired', 'user.deprovisioned'];

/** The workspace audit log (ADMIN-3): who did what to which device, when, from where. */
export function AuditLog() {
  const [action, setAction] = useState('');
  const [userId, setUserId] = useState('');
  const [query, setQuery] = useState({ action: '', userId: '' });
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
    setQuery({ action, userId: userId.trim() });
  };

  return (
    <div>
      <form className="filters" onSubmit={submit} aria-label="Filter the audit log">
        <div>
          <label htmlFor="audit-action">Action</label>
          <select id="audit-action" value={action} onChange={(e) => setAction(e.target.value)}>
            <option value="">All actions</option>
            {ACTIONS.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="audit-user">User ID</label>
          <input id="audit-user" value={userId} onChange={(e) => setUserId(e.target.value)} />
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
                    <code>{event.action}</code>
                  </td>
                  <td>{who(event.actor)}</td>
                  <td>{who(event.target)}</td>
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

/** Ids are long: shown shortened, in full on hover and to screen readers. */
function who({ userId, deviceId }: { userId: string | null; deviceId: string | null }) {
  if (!userId && !deviceId) return 'System';
  return (
    <span className="ids">
      {userId && <span title={userId} aria-label={`user ${userId}`}>user {short(userId)}</span>}
      {deviceId && <span title={deviceId} aria-label={`device ${deviceId}`}>device {deviceId.slice(0, 8)}</span>}
    </span>
  );
}

function short(id: string): string {
  return id.length > 14 ? `${id.slice(0, 12)}…` : id;
}
