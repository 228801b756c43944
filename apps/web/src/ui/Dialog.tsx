import { useEffect, useRef, type ReactNode } from 'react';

interface DialogProps {
  title: string;
  /** Id for aria-labelledby; unique per dialog on the page. */
  id: string;
  onClose?: () => void;
  children: ReactNode;
  /** A stable key of the dialog's current step: focus moves to the heading when it changes. */
  step?: string;
  /**
   * Where focus goes when the dialog closes; by default the control that had it when the dialog opened,
   * if that is still on the page (WEB-7: focus never falls to the page body).
   */
  returnFocus?: () => HTMLElement | null | undefined;
}

/**
 * A modal dialog (WEB-7): focus moves into it and back to where it was when it
 * closes, Tab stays inside, Escape closes it when it may be closed.
 */
export function Dialog({ title, id, onClose, children, step, returnFocus }: DialogProps) {
  const panel = useRef<HTMLDivElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const returnTo = useRef(returnFocus);
  returnTo.current = returnFocus;
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    return () => {
      // After the commit that removed the dialog, so a control that replaces the opener is on the page.
      setTimeout(() => {
        if (document.activeElement && document.activeElement !== document.body && document.activeElement.isConnected) return;
        const target =
          returnTo.current?.() ??
          (before?.isConnected && before !== document.body ? before : null) ??
          document.querySelector<HTMLElement>('main h1');
        if (target && !target.hasAttribute('tabindex') && target.matches('h1, h2, p, div, section')) target.setAttribute('tabindex', '-1');
        target?.focus();
      });
    };
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
    const focusable = [
      ...panel.current.querySelectorAll<HTMLElement>(
        'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea, [tabindex="0"]',
      ),
    ];
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
  returnFocus?: () => HTMLElement | null | undefined;
}

/** "Are you sure?" for actions that cannot be undone (disable, deprovision). */
export function ConfirmDialog({ title, id, confirmLabel, busy, error, onConfirm, onCancel, children, returnFocus }: ConfirmProps) {
  return (
    <Dialog title={title} id={id} onClose={onCancel} returnFocus={returnFocus}>
      <div className="dialog-body">{children}</div>
      {error}
      <div className="actions">
        <button type="button" onClick={onCancel} data-autofocus>
          Cancel
        </button>
        <button type="button" className="danger" onClick={() => !busy && onConfirm()} aria-disabled={busy || undefined}>
          {busy ? 'Working…' : confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
