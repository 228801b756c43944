import type { Session } from '../api/types';
import { Link } from '../router';

interface Props {
  session: Session;
  onSetUp: () => void;
}

export function Home({ session, onSetUp }: Props) {
  return (
    <section aria-labelledby="home-title">
      <h1 id="home-title" tabIndex={-1}>
        Welcome, {session.user.username}
      </h1>
      {session.trusted ? (
        <p>
          This session is trusted: <strong>{session.device?.name}</strong> is one of your trusted devices. See them all in{' '}
          <Link to="/profile/devices">My trusted devices</Link>.
        </p>
      ) : (
        <>
          <p>This session is not trusted yet. Set up this device to approve other devices and manage your trusted devices.</p>
          <button type="button" className="primary" onClick={onSetUp}>
            Set up this device
          </button>
        </>
      )}
    </section>
  );
}
