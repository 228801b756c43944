import { useEffect, useRef, type ReactNode } from 'react';

interface DialogProps {
  title: string;
  /** Id for aria-labelledby; unique per dialog on the page. */
  id: string;
  onClose?: () => void;
  children: ReactNode;
  /** A stable key of the dialog's current step: focus moves to the heading when it changes. */
  step?: string;
}

/**
 * A modal dialog (WEB-7): focus moves into it and back to where it was when it
 * closes, Tab stays inside, Escape closes it when it may be closed.
 */
export function Dialog({ title, id, onClose, children, step }: DialogProps) {
  const panel = useRef<HTMLDivElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    return () => before?.focus?.();
  }, []);

  useEffect(() => {
    const first = panel.current?.querySelector<HTMLElement>('[data-autofocus]');
    (first ?? heading.current)?.focus();
  }, [step]);

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === 'Escape' && onClose) {
      event.stopPropagation();
      onClose();
    }
    if (event.key !== 'Tab' || !panel.current) return;
    const focusable = [...panel.current.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea, [tabindex="0"]')];
    if (!focusable.length) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (event.shiftKey && (document.activeElement === first || document.activeElement === heading.current)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <div className="backdrop">
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby={`${id}-title`} ref={panel} onKeyDown={onKeyDown}>
        <h2 id={`${id}-title`} tabIndex={-1} ref={heading}>
          {title}
        </h2>
        {children}
      </div>
    </div>
  );
}

interface ConfirmProps {
  title: string;
  id: string;
  confirmLabel: string;
  busy?: boolean;
  error?: ReactNode;
  onConfirm: () => void;
  onCancel: () => void;
  children: ReactNode;
}

/** "Are you sure?" for actions that cannot be undone (disable, deprovision). */
export function ConfirmDialog({ title, id, confirmLabel, busy, error, onConfirm, onCancel, children }: ConfirmProps) {
  return (
    <Dialog title={title} id={id} onClose={onCancel}>
      <div className="dialog-body">{children}</div>
      {error}
      <div className="actions">
        <button type="button" onClick={onCancel} data-autofocus>
          Cancel
        </button>
        <button type="button" className="danger" onClick={onConfirm} disabled={busy}>
          {busy ? 'Working…' : confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
