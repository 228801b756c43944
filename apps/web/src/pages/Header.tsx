import { useEffect, useRef, useState } from 'react';
import type { Session } from '../api/types';
import { Link, navigate } from '../router';

interface Props {
  session: Session;
  onSignOut: () => void;
}

const isAdmin = (session: Session) => session.user.role === 'owner' || session.user.role === 'admin';

/** Top bar: the pages, and the user profile menu in the top-right corner (My profile, Sign out). */
export function Header({ session, onSignOut }: Props) {
  const [open, setOpen] = useState(false);
  const menu = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const close = (event: MouseEvent) => {
      if (!menu.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);

  const choose = (action: () => void) => {
    setOpen(false);
    action();
  };

  return (
    <header className="topbar">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <Link to="/" className="brand" aria-label="Trusted Devices home">
        Trusted Devices
      </Link>
      <nav aria-label="Main">
        <Link to="/">Home</Link>
        {isAdmin(session) && (
          <Link to="/admin/devices" aria-label="Workspace trusted devices">
            Trusted devices
          </Link>
        )}
      </nav>
      <div
        className="menu"
        ref={menu}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            setOpen(false);
            menu.current?.querySelector<HTMLElement>('button')?.focus();
          }
        }}
      >
        <button type="button" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
          {session.user.username} ▾
        </button>
        {open && (
          <div role="menu" aria-label="User profile">
            <button type="button" role="menuitem" onClick={() => choose(() => navigate('/profile/devices'))}>
              My profile
            </button>
            <button type="button" role="menuitem" onClick={() => choose(onSignOut)}>
              Sign out
            </button>
          </div>
        )}
      </div>
    </header>
  );
}
