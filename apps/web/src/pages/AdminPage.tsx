import type { Session } from '../api/types';
import { Link } from '../router';
import { AdminDevices } from './AdminDevices';
import { AuditLog } from './AuditLog';

interface Props {
  session: Session;
  path: string;
}

/** The workspace's Trusted devices page for owners and admins (WEB-5, ADMIN-1..3). */
export function AdminPage({ session, path }: Props) {
  if (session.user.role !== 'owner' && session.user.role !== 'admin') {
    return (
      <section>
        <h1>Trusted devices</h1>
        <p role="alert">Only workspace owners and admins can see this page.</p>
      </section>
    );
  }
  const audit = path.startsWith('/admin/audit');
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title" tabIndex={-1}>
        Trusted devices
      </h1>
      <nav className="tabs" aria-label="Workspace">
        <Link to="/admin/devices">Devices</Link>
        <Link to="/admin/audit">Audit log</Link>
      </nav>
      {!session.trusted && <p className="hint">This page needs a trusted session on this web app: set up this device first.</p>}
      {audit ? <AuditLog /> : <AdminDevices session={session} />}
    </section>
  );
}
