// The console: sign-in until a usable token is there, then the pages, each behind the account's API client.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { Link, Route, Routes } from 'react-router';
import { createApiClient } from './api/client';
import { ApiContext } from './api/hooks';
import { isRetryable } from './api/problem';
import { Layout, usePageTitle } from './components/layout';
import { CallbackDetailPage } from './pages/callback-detail';
import { CallbacksPage } from './pages/callbacks';
import { DeliveriesPage } from './pages/deliveries';
import { DeliveryDetailPage } from './pages/delivery-detail';
import { EventTypesPage } from './pages/event-types';
import { HoldsPage } from './pages/holds';
import { OverviewPage } from './pages/overview';
import { SignInPage } from './pages/sign-in';
import { REFUSED_NOTICE, useSession, type Session } from './session/session';

/** Retries only what may pass (429, 503, network), up to three times with TanStack's growing delay. */
function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: (failures, error) => failures < 3 && isRetryable(error), staleTime: 5_000, refetchIntervalInBackground: false },
      mutations: { retry: false },
    },
  });
}

function NotFoundPage() {
  usePageTitle('Not found');
  return (
    <>
      <h1>Page not found</h1>
      <p>
        Nothing lives at this address. <Link to="/">Go to the overview</Link>.
      </p>
    </>
  );
}

function SignedIn({ session }: { session: Session }) {
  const { signOut } = useSession();
  // One client and one cache per signed-in token (App keys this component by it): signing in again starts empty.
  const api = useMemo(
    () => createApiClient({ account: session.claims.account, token: session.token, onUnauthorized: () => signOut(REFUSED_NOTICE) }),
    [session, signOut],
  );
  const [queryClient] = useState(createQueryClient);
  useEffect(() => () => queryClient.clear(), [queryClient]);
  return (
    <ApiContext.Provider value={api}>
      <QueryClientProvider client={queryClient}>
        <Layout>
          <Routes>
            <Route path="/" element={<OverviewPage />} />
            <Route path="/callbacks" element={<CallbacksPage />} />
            <Route path="/callbacks/:id" element={<CallbackDetailPage />} />
            <Route path="/deliveries" element={<DeliveriesPage />} />
            <Route path="/deliveries/:id" element={<DeliveryDetailPage />} />
            <Route path="/holds" element={<HoldsPage />} />
            <Route path="/event-types" element={<EventTypesPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Routes>
        </Layout>
      </QueryClientProvider>
    </ApiContext.Provider>
  );
}

export function App() {
  const { session } = useSession();
  return session === null ? <SignInPage /> : <SignedIn key={session.token} session={session} />;
}
