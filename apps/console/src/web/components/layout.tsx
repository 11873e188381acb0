// The frame of every signed-in page: the navigation (left out with ?embed=1) and the main region, which takes
// focus on each page change so keyboard and screen-reader users start at the new page's heading.
import { useEffect, useRef, type ReactNode } from 'react';
import { NavLink, useLocation } from 'react-router';
import { useSignedIn, useSession } from '../session/session';
import { useDisplay } from './display';

const NAVIGATION = [
  { to: '/', label: 'Overview', end: true },
  { to: '/callbacks', label: 'Callbacks', end: false },
  { to: '/deliveries', label: 'Deliveries', end: false },
  { to: '/holds', label: 'Holds', end: false },
  { to: '/event-types', label: 'Event types', end: false },
] as const;

export function Layout({ children }: { children: ReactNode }) {
  const { embed } = useDisplay();
  const { signOut } = useSession();
  const { claims } = useSignedIn();
  const { pathname } = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [pathname]);

  return (
    <>
      {embed ? null : (
        <>
          <a className="skip-link" href="#main">
            Skip to content
          </a>
          <header className="topbar">
            <span className="brand">Hookmesh</span>
            <nav aria-label="Main">
              <ul>
                {NAVIGATION.map((item) => (
                  <li key={item.to}>
                    <NavLink to={item.to} end={item.end}>
                      {item.label}
                    </NavLink>
                  </li>
                ))}
              </ul>
            </nav>
            <div className="who">
              <span aria-label="Account">{claims.account}</span>
              <button type="button" className="link-button" onClick={() => signOut('You signed out.')}>
                Sign out
              </button>
            </div>
          </header>
        </>
      )}
      <main id="main" ref={main} tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/** Sets the document title of a page. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Hookmesh`;
  }, [title]);
}
