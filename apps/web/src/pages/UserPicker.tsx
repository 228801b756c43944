import { useEffect, useId, useState } from 'react';
import { api } from '../api/client';
import type { WorkspaceDevice } from '../api/types';

export type WorkspaceUser = WorkspaceDevice['user'];

/** "Dana (dana@example.com)": how the admin pages name a person. */
export function personLabel(user: Pick<WorkspaceUser, 'email' | 'username'>): string {
  return user.username && user.username !== user.email ? `${user.username} (${user.email})` : user.email;
}

interface Props {
  id: string;
  /** The chosen user, or null for everyone. */
  value: WorkspaceUser | null;
  onChange: (user: WorkspaceUser | null) => void;
}

/**
 * Pick a person by email or name (WEB-5), never by an internal id: a typeahead over the workspace's
 * users as `GET /v1/workspace/devices?q=` finds them (it searches device names and emails).
 */
export function UserPicker({ id, value, onChange }: Props) {
  const listId = useId();
  const [text, setText] = useState(value ? personLabel(value) : '');
  const [options, setOptions] = useState<WorkspaceUser[]>([]);

  useEffect(() => setText(value ? personLabel(value) : ''), [value]);

  useEffect(() => {
    const query = text.trim();
    if (!query || (value && personLabel(value) === text)) return;
    let current = true;
    const timer = setTimeout(() => {
      api
        .workspaceDevices({ q: query.replace(/^.*\(([^)]*)\)$/, '$1'), limit: 50 })
        .then((page) => {
          if (!current) return;
          const users = new Map(page.devices.map((device) => [device.user.id, device.user]));
          setOptions([...users.values()]);
        })
        .catch(() => undefined);
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [text, value]);

  const choose = (typed: string) => {
    setText(typed);
    if (!typed.trim()) return onChange(null);
    const match = options.find((user) => personLabel(user) === typed || user.email.toLowerCase() === typed.trim().toLowerCase());
    if (match) onChange(match);
  };

  return (
    <>
      <input
        id={id}
        type="search"
        list={listId}
        autoComplete="off"
        placeholder="Email or name"
        value={text}
        onChange={(event) => choose(event.target.value)}
      />
      <datalist id={listId}>
        {options.map((user) => (
          <option key={user.id} value={personLabel(user)} />
        ))}
      </datalist>
    </>
  );
}
