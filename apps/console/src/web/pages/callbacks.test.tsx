/**
 * @jest-environment ./src/web/test-support/jsdom-environment.cjs
 */
// The create form against an API client whose network answers like subscription-service does.
import { describe, expect, it } from '@jest/globals';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { createApiClient } from '../api/client';
import { ApiContext } from '../api/hooks';
import { CallbacksPage } from './callbacks';

type Reply = { status: number; body: unknown };

function renderWith(replies: (method: string, path: string, body: unknown) => Reply) {
  const sent: Array<{ method: string; path: string; body: unknown }> = [];
  const api = createApiClient({
    account: 'acme',
    token: 'a.b.c',
    onUnauthorized: () => undefined,
    fetch: async (input, init) => {
      const path = String(input).replace('/api/subscription/acme/api/v1', '');
      const body = init?.body === undefined ? undefined : JSON.parse(String(init.body));
      sent.push({ method: init?.method ?? 'GET', path, body });
      const reply = replies(init?.method ?? 'GET', path, body);
      return new Response(JSON.stringify(reply.body), { status: reply.status, headers: { 'content-type': reply.status >= 400 ? 'application/problem+json' : 'application/json' } });
    },
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <ApiContext.Provider value={api}>
      <QueryClientProvider client={client}>
        <MemoryRouter>
          <CallbacksPage />
        </MemoryRouter>
      </QueryClientProvider>
    </ApiContext.Provider>,
  );
  return sent;
}

const catalog = { event_types: [{ message_type: 'orderEvent', description: 'Orders', schema: {}, example: {} }] };

async function fillAndCreate(url: string) {
  fireEvent.click(await screen.findByRole('button', { name: 'New callback' }));
  await screen.findByRole('option', { name: 'orderEvent' });
  fireEvent.change(screen.getByLabelText('URL'), { target: { value: url } });
  fireEvent.change(screen.getByLabelText('Message type'), { target: { value: 'orderEvent' } });
  await act(async () => {
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
  });
}

describe('CallbacksPage', () => {
  it('shows the API’s error at the URL field and marks the field invalid', async () => {
    const sent = renderWith((method, path) => {
      if (method === 'POST') {
        return { status: 400, body: { title: 'Bad Request', status: 400, detail: 'The request body is invalid.', errors: [{ path: '0.url', message: 'https_required: url must use https', code: 'custom' }] } };
      }
      return { status: 200, body: path.startsWith('/event_types') ? catalog : { callbacks: [] } };
    });
    await fillAndCreate('http://example.com/hook');
    const url = screen.getByLabelText('URL');
    await waitFor(() => expect(url.getAttribute('aria-invalid')).toBe('true'));
    const description = (url.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent);
    expect(description).toContain('https_required: url must use https');
    expect(sent.find((call) => call.method === 'POST')?.body).toEqual([{ url: 'http://example.com/hook', message_type: 'orderEvent', api_version: '1.0' }]);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows an error that names no field above the form', async () => {
    renderWith((method, path) =>
      method === 'POST'
        ? { status: 409, body: { title: 'Conflict', status: 409, detail: 'orderEvent is archived: new callbacks of it are refused.' } }
        : { status: 200, body: path.startsWith('/event_types') ? catalog : { callbacks: [] } },
    );
    await fillAndCreate('https://example.com/hook');
    expect((await screen.findByRole('alert')).textContent).toBe('orderEvent is archived: new callbacks of it are refused.');
    expect(screen.getByLabelText('URL').getAttribute('aria-invalid')).toBeNull();
  });

  it('shows the new callback’s secret once created', async () => {
    const created = { id: '0190a5b2-0000-7000-8000-000000000001', url: 'https://example.com/hook', message_type: 'orderEvent', api_version: '1.0', status: 'active', created_at: '2026-06-01T00:00:00Z', updated_at: '2026-06-01T00:00:00Z', secret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0' };
    renderWith((method, path) =>
      method === 'POST' ? { status: 201, body: { callbacks: [created] } } : { status: 200, body: path.startsWith('/event_types') ? catalog : { callbacks: [] } },
    );
    await fillAndCreate('https://example.com/hook');
    expect((await screen.findByTestId('secret')).textContent).toBe(created.secret);
    expect(screen.queryByRole('button', { name: 'Create' })).toBeNull();
  });
});
