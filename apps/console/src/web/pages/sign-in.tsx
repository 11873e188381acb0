// Sign-in: paste a bearer token (a portal link signs in by itself before this page would show).
import { useEffect, useState, type FormEvent } from 'react';
import { Field } from '../components/field';
import { useSession } from '../session/session';

export function SignInPage() {
  const { signIn, notice } = useSession();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    document.title = 'Sign in · Hookmesh';
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setError(signIn(token) ?? undefined);
  };

  return (
    <main id="main" className="sign-in">
      <h1>Sign in to Hookmesh</h1>
      {notice ? (
        <div className="notice notice-warn" role="alert">
          <p>{notice}</p>
        </div>
      ) : null}
      <p>
        Open the portal link you were given, or paste an access token for your account. The token stays in this browser tab only and is
        forgotten when you close it.
      </p>
      <form onSubmit={submit} noValidate>
        <Field label="Access token" error={error}>
          <textarea value={token} onChange={(event) => setToken(event.target.value)} rows={4} spellCheck={false} autoComplete="off" required />
        </Field>
        <div className="actions">
          <button type="submit" className="primary">
            Sign in
          </button>
        </div>
      </form>
    </main>
  );
}
