// A signing secret, shown once (the API never shows it again) with a button that copies it.
import { useState, type ReactNode } from 'react';

export function SecretReveal({ secret, label = 'Signing secret', children }: { secret: string; label?: string; children?: ReactNode }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <section className="secret" aria-label={label}>
      <h2>{label}</h2>
      <p>Store it now: it is shown only this once. Your endpoint verifies each delivery's signature with it.</p>
      <div className="secret-value">
        <code data-testid="secret">{secret}</code>
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p role="status" className="field-hint">
        {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'failed' ? 'The browser refused the clipboard: select the secret and copy it by hand.' : ''}
      </p>
      {children}
    </section>
  );
}
