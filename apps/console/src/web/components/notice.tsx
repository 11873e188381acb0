// Messages above a form or a page: errors as an alert (announced at once), outcomes as a polite status.
import type { ReactNode } from 'react';

/** Errors that belong to no single field; renders nothing when there are none. */
export function ErrorNotice({ messages }: { messages: readonly string[] }) {
  if (messages.length === 0) return null;
  return (
    <div className="notice notice-error" role="alert">
      {messages.length === 1 ? <p>{messages[0]}</p> : <ul>{messages.map((message, index) => <li key={index}>{message}</li>)}</ul>}
    </div>
  );
}

/** The outcome of an action ("Test event sent"). */
export function StatusNotice({ children }: { children: ReactNode }) {
  return (
    <div className="notice notice-ok" role="status">
      {children}
    </div>
  );
}
