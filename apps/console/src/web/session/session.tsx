// Who is signed in: one bearer token per browser tab, kept in session storage only (gone when the tab closes).
// A portal link brings the token in the URL fragment, which browsers never send to a server; the page takes it
// out of the address bar at once, so it does not linger in history, bookmarks or screenshots.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { checkToken, tokenFromFragment, type TokenClaims } from './token';

const STORAGE_KEY = 'hookmesh.console.token';

export interface Session {
  token: string;
  claims: TokenClaims;
}

export interface SessionValue {
  session: Session | null;
  /** Why the user is at sign-in (an expired session, a refused portal link), to show there. */
  notice: string | null;
  /** Signs in with a pasted token; answers the reason when the token cannot be used. */
  signIn(token: string): string | null;
  signOut(notice?: string): void;
}

const SessionContext = createContext<SessionValue | null>(null);

function readStorage(): string | null {
  try {
    return window.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function writeStorage(token: string | null): void {
  try {
    if (token === null) window.sessionStorage.removeItem(STORAGE_KEY);
    else window.sessionStorage.setItem(STORAGE_KEY, token);
  } catch {
    // Storage refused (private mode, quota): the session lasts as long as this page.
  }
}

/** The session the page starts with: a portal link's token first, else the tab's stored one. */
function initialState(now: number): { session: Session | null; notice: string | null } {
  const fromLink = tokenFromFragment(window.location.hash);
  if (fromLink !== undefined) {
    window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}`);
    const check = checkToken(fromLink, now);
    if (!check.ok) {
      writeStorage(null);
      return { session: null, notice: `This portal link cannot sign you in. ${check.reason}` };
    }
    writeStorage(fromLink.trim());
    return { session: { token: fromLink.trim(), claims: check.claims }, notice: null };
  }
  const stored = readStorage();
  if (stored === null) return { session: null, notice: null };
  const check = checkToken(stored, now);
  if (!check.ok) {
    writeStorage(null);
    return { session: null, notice: 'Your session has expired. Sign in again with a new portal link or token.' };
  }
  return { session: { token: stored, claims: check.claims }, notice: null };
}

const expiredNotice = (expiresAt: number) =>
  `Your session expired at ${new Date(expiresAt).toLocaleTimeString()}. Sign in again with a new portal link or token.`;

/** Holds the session for the page; children read it with useSession(). */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState(() => initialState(Date.now()));

  const signOut = useCallback((notice?: string) => {
    writeStorage(null);
    setState({ session: null, notice: notice ?? null });
  }, []);

  const signIn = useCallback((token: string) => {
    const check = checkToken(token, Date.now());
    if (!check.ok) return check.reason;
    writeStorage(token.trim());
    setState({ session: { token: token.trim(), claims: check.claims }, notice: null });
    return null;
  }, []);

  // Back to sign-in the moment the token expires, rather than at the next refused call.
  const expiresAt = state.session?.claims.expiresAt ?? null;
  useEffect(() => {
    if (expiresAt === null) return undefined;
    // setTimeout holds at most 2^31-1 ms; a later expiry is checked again when that timer fires.
    const delay = Math.min(Math.max(0, expiresAt - Date.now()), 2_147_000_000);
    const timer = window.setTimeout(() => {
      if (Date.now() >= expiresAt) signOut(expiredNotice(expiresAt));
    }, delay);
    return () => window.clearTimeout(timer);
  }, [expiresAt, signOut]);

  const value = useMemo<SessionValue>(() => ({ ...state, signIn, signOut }), [state, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** The page's session; only inside SessionProvider. */
export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (value === null) throw new Error('useSession needs a SessionProvider');
  return value;
}

/** The signed-in session; only on pages behind sign-in. */
export function useSignedIn(): Session {
  const { session } = useSession();
  if (session === null) throw new Error('useSignedIn needs a signed-in session');
  return session;
}

/** What the page says when a service refuses the token mid-session. */
export const REFUSED_NOTICE = 'Your session has ended: the token expired or was revoked. Sign in again with a new portal link or token.';
