/**
 * @jest-environment ./src/web/test-support/jsdom-environment.cjs
 */
// The callback page against an API client whose network answers like subscription-service does.
import { describe, expect, it } from '@jest/globals';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { createApiClient } from '../api/client';
import { ApiContext, queryKeys } from '../api/hooks';
import { CallbackDetailPage } from './callback-detail';

const callback = {
  id: '0190a5b2-0000-7000-8000-000000000001',
  url: 'https://example.com/hook',
  message_type: 'orderEvent',
  api_version: '1.0',
  status: 'active',
  profile: 'standard',
  signed: true,
  created_at: '2026-06-01T00:00:00Z',
  updated_at: '2026-06-01T00:00:00Z',
};

function renderPage(patchAnswer: (body: Record<string, unknown>) => { status: number; body: unknown }) {
  const patches: Array<Record<string, unknown>> = [];
  const api = createApiClient({
    account: 'acme',
    token: 'a.b.c',
    onUnauthorized: () => undefined,
    fetch: async (_input, init) => {
      if (init?.method === 'PATCH') {
        const body = JSON.parse(String(init.body)) as Record<string, unknown>;
        patches.push(body);
        const answer = patchAnswer(body);
        return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } });
      }
      return new Response(JSON.stringify(callback), { status: 200, headers: { 'content-type': 'application/json' } });
    },
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <ApiContext.Provider value={api}>
      <QueryClientProvider client={client}>
        <MemoryRouter initialEntries={[`/callbacks/${callback.id}`]}>
          <Routes>
            <Route path="/callbacks/:id" element={<CallbackDetailPage />} />
          </Routes>
        </MemoryRouter>
      </QueryClientProvider>
    </ApiContext.Provider>,
  );
  return { patches, client };
}

describe('CallbackDetailPage settings', () => {
  it('sends only what changed, and shows the secret a move to another profile minted once, keeping it out of the cache', async () => {
    const { patches, client } = renderPage((body) => ({ status: 200, body: { ...callback, ...body, updated_at: '2026-06-01T01:00:00Z', secret: 'plain-secret-of-the-moduslink-profile-0123' } }));
    const profile = await screen.findByLabelText('Profile');
    fireEvent.change(profile, { target: { value: 'moduslink' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    });
    expect((await screen.findByTestId('secret')).textContent).toBe('plain-secret-of-the-moduslink-profile-0123');
    expect(patches).toEqual([{ profile: 'moduslink' }]);
    const cached = client.getQueryData(queryKeys.callback('acme', callback.id)) as Record<string, unknown>;
    expect(cached['profile']).toBe('moduslink');
    expect(cached).not.toHaveProperty('secret');
  });

  it('shows the API’s refusal at the field it names', async () => {
    renderPage(() => ({ status: 400, body: { title: 'Bad Request', status: 400, errors: [{ path: 'url', message: 'https_required: url must use https', code: 'custom' }] } }));
    fireEvent.change(await screen.findByLabelText('URL'), { target: { value: 'http://example.com/hook' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    });
    await waitFor(() => expect(screen.getByLabelText('URL').getAttribute('aria-invalid')).toBe('true'));
    expect(screen.queryByTestId('secret')).toBeNull();
  });
});
