import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { subscribeDeviceEvents } from '../api/events';
import type { DeviceStatus, Session, WorkspaceDevicesPage } from '../api/types';
import { ConfirmDialog } from '../ui/Dialog';
import { ErrorMessage } from '../ui/ErrorMessage';
import { APP_LABEL, disabledHow, formatTime, STATUS_LABEL } from '../ui/format';
import { DeprovisionProgress } from './DeprovisionProgress';
import { personLabel, UserPicker, type WorkspaceUser } from './UserPicker';

interface Filters {
  user: WorkspaceUser | null;
  status: string;
  clientType: string;
  q: string;
}

const EMPTY: Filters = { user: null, status: '', clientType: '', q: '' };
const PAGE_SIZES = [5, 20, 50, 200];
const STATUSES = Object.keys(STATUS_LABEL) as DeviceStatus[];

type Pending = { kind: 'disable'; device: WorkspaceDevicesPage['devices'][number] } | { kind: 'deprovision'; user: WorkspaceUser };

/** The workspace's devices (ADMIN-1): filters, counts per status, cursor paging; disable and deprovision (ADMIN-2). */
export function AdminDevices({ session }: { session: Session }) {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [page, setPage] = useState<WorkspaceDevicesPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [pendingError, setPendingError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');
  const [job, setJob] = useState<{ id: string; user: WorkspaceUser } | null>(null);
  // Users deprovisioned from this page: their rows say so and no longer offer the action, before their devices show it.
  const [deprovisioned, setDeprovisioned] = useState<ReadonlySet<string>>(new Set());
  // A device disabled by deprovisioning marks its user deprovisioned, also after a reload.
  const deprovisionedHere = new Set(
    page?.devices.filter((device) => device.disabledBy?.kind === 'deprovisioning').map((device) => device.user.id),
  );
  const isDeprovisioned = (device: WorkspaceDevicesPage['devices'][number]) =>
    deprovisioned.has(device.user.id) || deprovisionedHere.has(device.user.id);
  const [pageSize, setPageSize] = useState(20);
  const cursor = cursors[cursors.length - 1];

  const load = useCallback(async () => {
    try {
      const { user, ...rest } = filters;
      setPage(await api.workspaceDevices({ ...rest, userId: user?.id, limit: pageSize, cursor }));
      setError(null);
    } catch (failure) {
      setError(failure);
    }
  }, [filters, cursor, pageSize]);

  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => subscribeDeviceEvents(() => void load()), [load]);

  const apply = (next: Filters) => {
    setDraft(next);
    setFilters(next);
    setCursors([null]);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply(draft);
  };

  const confirm = async () => {
    if (!pending) return;
    setBusy(true);
    setPendingError(null);
    try {
      if (pending.kind === 'disable') {
        await api.workspaceDisable(pending.device.id);
        setNotice(`${pending.device.name} was disabled.`);
      } else {
        const { jobId } = await api.deprovision(pending.user.id);
        setJob({ id: jobId, user: pending.user });
        setDeprovisioned((previous) => new Set([...previous, pending.user.id]));
        setNotice('');
      }
      setPending(null);
      await load();
    } catch (failure) {
      setPendingError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div>
      <form className="filters" onSubmit={submit} aria-label="Filter devices">
        <div>
          <label htmlFor="filter-q">Search</label>
          <input
            id="filter-q"
            type="search"
            placeholder="Device or email"
            value={draft.q}
            onChange={(e) => setDraft({ ...draft, q: e.target.value })}
          />
        </div>
        <div>
          <label htmlFor="filter-user">User</label>
          <UserPicker id="filter-user" value={draft.user} onChange={(user) => setDraft({ ...draft, user })} />
        </div>
        <div>
          <label htmlFor="filter-status">Status</label>
          <select id="filter-status" value={draft.status} onChange={(e) => apply({ ...draft, status: e.target.value })}>
            <option value="">All statuses</option>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {STATUS_LABEL[status]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="filter-app">App</label>
          <select id="filter-app" value={draft.clientType} onChange={(e) => apply({ ...draft, clientType: e.target.value })}>
            <option value="">All apps</option>
            {Object.entries(APP_LABEL).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="filter-actions">
          <button type="submit" className="primary">
            Apply filters
          </button>
          <button type="button" onClick={() => apply(EMPTY)}>
            Clear
          </button>
        </div>
      </form>
      {page && (
        <ul className="counts" aria-label="Devices per status">
          {STATUSES.filter((status) => status !== 'expired' || page.counts.expired).map((status) => (
            <li key={status} className={`status status-${status}`}>
              {STATUS_LABEL[status]}: <strong>{page.counts[status] ?? 0}</strong>
            </li>
          ))}
        </ul>
      )}
      <p className="notice" role="status" aria-live="polite">
        {notice}
      </p>
      {job && <DeprovisionProgress jobId={job.id} email={personLabel(job.user)} onProgress={() => void load()} />}
      <ErrorMessage error={error} />
      {page && page.devices.length === 0 && <p>No devices match these filters.</p>}
      {page && page.devices.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Devices in this workspace</caption>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">User</th>
                <th scope="col">App</th>
                <th scope="col">OS/browser</th>
                <th scope="col">Status</th>
                <th scope="col">Last seen</th>
                <th scope="col" aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {page.devices.map((device) => (
                <tr key={device.id} data-device-id={device.id}>
                  <th scope="row">{device.name}</th>
                  <td>
                    <button
                      type="button"
                      className="link"
                      onClick={() => apply({ ...EMPTY, user: device.user })}
                      aria-label={`Show only devices of ${device.user.email}`}
                    >
                      {device.user.username && device.user.username !== device.user.email && (
                        <span className="person-name">{device.user.username}</span>
                      )}
                      <span className="person-email">{device.user.email}</span>
                    </button>
                    {isDeprovisioned(device) && <span className="tag deprovisioned">Deprovisioned</span>}
                  </td>
                  <td className="nowrap">{APP_LABEL[device.clientType]}</td>
                  <td>
                    {device.os}/{device.browser}
                  </td>
                  <td>
                    <span className={`status status-${device.status}`}>{STATUS_LABEL[device.status]}</span>
                    {device.status === 'disabled' && device.disabledAt && (
                      <span className="status-how">{disabledHow(device, 'the user')}</span>
                    )}
                  </td>
                  <td className="nowrap">{formatTime(device.lastSeenAt)}</td>
                  <td>
                    <div className="cell-actions">
                      {['approved', 'pending_approval', 'pending_verification'].includes(device.status) && (
                        <button
                          type="button"
                          className="danger"
                          onClick={() => setPending({ kind: 'disable', device })}
                          aria-label={`Disable ${device.name}`}
                        >
                          Disable
                        </button>
                      )}
                      {/* Not for oneself, nor for someone already deprovisioned. */}
                      {device.user.id !== session.user.id && !isDeprovisioned(device) && (
                        <button
                          type="button"
                          onClick={() => setPending({ kind: 'deprovision', user: device.user })}
                          aria-label={`Deprovision ${device.user.email}`}
                        >
                          Deprovision user
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <span>Page {cursors.length}</span>
        <label htmlFor="page-size">Rows per page</label>
        <select
          id="page-size"
          value={pageSize}
          onChange={(e) => {
            setPageSize(Number(e.target.value));
            setCursors([null]);
          }}
        >
          {PAGE_SIZES.map((size) => (
            <option key={size}>{size}</option>
          ))}
        </select>
        <button type="button" disabled={!page?.nextCursor} onClick={() => page?.nextCursor && setCursors([...cursors, page.nextCursor])}>
          Next page
        </button>
      </nav>
      {pending && (
        <ConfirmDialog
          id="confirm-admin"
          title={pending.kind === 'disable' ? 'Disable this device?' : 'Deprovision this user?'}
          confirmLabel={pending.kind === 'disable' ? 'Disable device' : 'Deprovision user'}
          busy={busy}
          error={<ErrorMessage error={pendingError} />}
          onConfirm={() => void confirm()}
          onCancel={() => (setPending(null), setPendingError(null))}
        >
          {pending.kind === 'disable' ? (
            <p>
              <strong>{pending.device.name}</strong> of {pending.device.user.email} will stop being a trusted device at once and cannot be
              enabled again.
            </p>
          ) : (
            <p>
              <strong>{pending.user.email}</strong> will be signed out everywhere: every device of this user is disabled and their codes
              stop working. This cannot be undone here.
            </p>
          )}
        </ConfirmDialog>
      )}
    </div>
  );
}
