// A new user's path through the console in a real browser, against the four services as processes and a real
// receiver: from the portal link to a redelivered webhook, with the pages' safety rules checked on the way.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { builtinExampleData, deliveryIdFor, PortalLink } from '@hookmesh/contracts';
import { signDevToken } from '@hookmesh/http';
import { dispatcherViewHolds, freePort, startPlatform, startReceiver, waitFor, type Answer, type Platform, type TestReceiver } from '@hookmesh/testing';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { descriptionOf, launchBrowser, paintedPixels, screenshot, startConsoleServer, type ConsoleBrowser, type ConsoleServer } from './browser';

const ACCOUNT = 'acme-portal';
// The suite's own signing secret, so it can act as the operator who mints the portal link.
const JWT_SECRET = randomBytes(32).toString('base64url');
// An endpoint that answers with markup and script: the console must show it as text and run none of it.
const HOSTILE_BODY = '<img src=x onerror="window.__pwned=\'img\'"><script>window.__pwned=\'script\'</script><b id="injected">boom</b>';

describe('the console in a browser', () => {
  let platform: Platform;
  let receiver: TestReceiver;
  let server: ConsoleServer;
  let browser: ConsoleBrowser;
  let page: Page;
  let portalLink: PortalLink;
  let token: string;
  let answer: Answer = { status: 200, body: '{"received":true}', headers: { 'content-type': 'application/json' } };
  let firstSecret = '';
  let callbackId = '';

  beforeAll(async () => {
    // /flaky is the endpoint of the screenshots' failing callback; /hook answers as the test says.
    receiver = await startReceiver((request) => (request.path === '/flaky' ? { status: 500, body: HOSTILE_BODY, headers: { 'content-type': 'text/html' } } : answer));
    const consolePort = await freePort();
    platform = await startPlatform({
      label: 'console',
      env: { HOOKMESH_RETRY_SCHEDULE: '0,100ms,200ms', HOOKMESH_JWT_SECRET: JWT_SECRET },
      serviceEnv: { 'subscription-service': { HOOKMESH_CONSOLE_URL: `http://127.0.0.1:${consolePort}/` } },
    });
    server = await startConsoleServer(platform, consolePort);
    browser = await launchBrowser();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(15_000);
    // The operator's backend mints the customer's link.
    const operator = await signDevToken({ secret: JWT_SECRET, scopes: ['admin'], subject: 'operator-backend' });
    const minted = await fetch(`${platform.urls['subscription-service']}/admin/api/v1/portal_links`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ account: ACCOUNT }),
    });
    expect(minted.status).toBe(201);
    portalLink = PortalLink.parse(await minted.json());
    token = new URL(portalLink.url).hash.replace(/^#token=/, '');
  }, 120_000);

  afterAll(async () => {
    if (process.env['CONSOLE_SCREENSHOTS'] && page !== undefined) await takeScreenshots();
    await browser?.close();
    const exit = await server?.stop();
    await platform?.stop();
    await receiver?.close();
    // A graceful stop of the console server exits 0.
    expect(exit).toBe(0);
  }, 300_000);

  /** Reads subscription-service as the account, with a token of the suite's secret (the platform's own helpers sign with another). */
  async function subscriptionGet<T>(path: string): Promise<{ status: number; body: T }> {
    const bearer = await signDevToken({ secret: JWT_SECRET, account: ACCOUNT });
    const response = await fetch(`${platform.api('subscription-service', ACCOUNT)}${path}`, { headers: { authorization: `Bearer ${bearer}` } });
    return { status: response.status, body: (await response.json()) as T };
  }

  /**
   * With CONSOLE_SCREENSHOTS=<folder>, fills the account with three minutes of traffic (a healthy endpoint with some
   * retries and a failing one) and photographs every page for docs/console.md.
   */
  async function takeScreenshots(): Promise<void> {
    const writer = await signDevToken({ secret: JWT_SECRET, account: ACCOUNT });
    const post = (service: 'subscription-service' | 'event-ingest', route: string, body: unknown) =>
      fetch(`${platform.api(service, ACCOUNT)}${route}`, { method: 'POST', headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await post('subscription-service', '/callbacks', [{ url: receiver.url('/flaky'), message_type: 'shipmentEvent', api_version: '1.0' }]);
    await dispatcherViewHolds(platform, { callbacks: 2 });
    let served = 0;
    receiver.setBehaviour((request) => {
      if (request.path === '/flaky') return { status: 500, body: HOSTILE_BODY, headers: { 'content-type': 'text/html' } };
      served += 1;
      const delayMs = 15 + ((served * 37) % 180);
      return served % 6 === 0 ? { status: 503, body: 'busy', delayMs } : { status: 200, body: '{"received":true}', headers: { 'content-type': 'application/json' }, delayMs };
    });
    for (let minute = 0; minute < 3; minute += 1) {
      const events = [
        ...Array.from({ length: 12 + minute * 6 }, () => ({ message_type: 'orderEvent', data: builtinExampleData('orderEvent') })),
        ...Array.from({ length: 2 + minute }, () => ({ message_type: 'shipmentEvent', data: builtinExampleData('shipmentEvent') })),
      ];
      await post('event-ingest', '/events', events);
      if (minute < 2) await new Promise((resolve) => setTimeout(resolve, 61_000));
    }
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // Back to the default look (an earlier test left the tab embedded and dark).
    await page.goto(`${server.url}/?window=hour&embed=0&theme=light&accent=`);
    await page.getByRole('figure').filter({ hasText: 'Deliveries per minute by outcome' }).locator('canvas').waitFor();
    await page.getByRole('heading', { name: 'Failing callbacks' }).waitFor();
    await page.waitForTimeout(1_500);
    await screenshot(page, 'overview', { fullPage: true });
    await nav('Callbacks').click();
    await page.getByRole('table').waitFor();
    await screenshot(page, 'callbacks');
    await nav('Deliveries').click();
    await latestDeliveryRow().waitFor();
    await screenshot(page, 'deliveries');
    await page.getByLabel('Status').selectOption('failed');
    await latestDeliveryRow().getByRole('link').click();
    await page.locator('pre.excerpt').first().waitFor();
    await screenshot(page, 'delivery', { fullPage: true });
    await nav('Holds').click();
    await page.getByLabel('Message type').selectOption('shipmentEvent');
    await page.getByLabel('Reason').fill('Receiver maintenance until 18:00');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('row', { name: /shipmentEvent/ }).waitFor();
    await screenshot(page, 'holds', { fullPage: true });
    await nav('Event types').click();
    await page.getByRole('heading', { name: 'orderEvent', exact: true }).waitFor();
    await page.locator('details').first().evaluate((element) => element.setAttribute('open', ''));
    await screenshot(page, 'event-types');
    await page.goto(`${server.url}/?window=hour&embed=1&theme=dark&accent=f06595`);
    await page.getByRole('figure').filter({ hasText: 'Deliveries per minute by outcome' }).locator('canvas').waitFor();
    await page.waitForTimeout(1_500);
    await screenshot(page, 'overview-embedded-dark', { fullPage: true });
  }

  const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
  const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
  const latestDeliveryRow = () => page.getByRole('table').getByRole('row').nth(1);

  it('signs in by portal link and takes the token out of the address bar', async () => {
    expect(portalLink.url.startsWith(`${server.url}/#token=`)).toBe(true);
    await page.goto(portalLink.url);
    await heading('Overview').waitFor();
    expect(page.url()).toBe(`${server.url}/`);
    expect(await page.evaluate(() => Object.values(sessionStorage))).toContain(token);
    expect(await page.evaluate(() => Object.values(localStorage))).not.toContain(token);
    for (const name of ['Overview', 'Callbacks', 'Deliveries', 'Holds', 'Event types']) expect(await nav(name).count()).toBe(1);
  });

  it('can be driven by keyboard from the first Tab', async () => {
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
  });

  it('creates a callback, showing the API’s error at the URL field first', async () => {
    await nav('Callbacks').click();
    await heading('Callbacks').waitFor();
    await page.getByRole('button', { name: 'New callback' }).click();
    await page.getByLabel('URL').fill('https://user:secret@example.com/hook');
    await page.getByLabel('Message type').selectOption('orderEvent');
    await page.getByLabel('Token').fill('portal-verification-token');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('.field-error').first().waitFor();
    expect(await page.getByLabel('URL').getAttribute('aria-invalid')).toBe('true');
    expect(await descriptionOf(page.getByLabel('URL'))).toMatch(/must not carry a username or password/);
    // Refused as a whole: nothing was created.
    expect((await subscriptionGet<{ callbacks: unknown[] }>('/callbacks')).body.callbacks).toEqual([]);
    await screenshot(page, 'callbacks-field-error');

    await page.getByLabel('URL').fill(receiver.url('/hook'));
    await page.getByRole('button', { name: 'Create' }).click();
    firstSecret = (await page.getByTestId('secret').textContent()) ?? '';
    expect(firstSecret).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(firstSecret);
    await page.getByRole('link', { name: receiver.url('/hook') }).first().waitFor();
    const listed = await subscriptionGet<{ callbacks: Array<{ id: string; url: string }> }>('/callbacks');
    expect(listed.body.callbacks.map((callback) => callback.url)).toEqual([receiver.url('/hook')]);
    callbackId = listed.body.callbacks[0]!.id;
    await dispatcherViewHolds(platform, { callbacks: 1 });
  });

  async function openCallback(): Promise<void> {
    await nav('Callbacks').click();
    await page.getByRole('table').getByRole('link', { name: receiver.url('/hook') }).click();
    await heading(/^Callback/).waitFor();
  }

  /** Sends a test event from the callback's page and opens the delivery of that very event once it reached `status`. */
  async function sendTestEventAndOpenItsDelivery(status: 'delivered' | 'failed'): Promise<string> {
    await openCallback();
    await page.getByRole('button', { name: 'Send test event' }).click();
    const sent = (await page.getByText(/^Test event sent/).textContent()) ?? '';
    const messageId = /\(message ([^)]+)\)/.exec(sent)?.[1];
    expect(messageId).toBeDefined();
    await page.getByRole('link', { name: 'See its delivery' }).click();
    await heading('Deliveries').waitFor();
    expect(new URL(page.url()).searchParams.get('callback_id')).toBe(callbackId);
    // The list refreshes by itself until that delivery (named like the dispatcher names it) reaches its end.
    const row = deliveryRow(deliveryIdFor(messageId!, callbackId));
    await row.getByText(status, { exact: true }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('table').getByRole('row').nth(1).getByRole('link').getAttribute('aria-label')).toBe(`Delivery ${deliveryIdFor(messageId!, callbackId)}`);
    await row.getByRole('link').click();
    await heading(/^Delivery/).waitFor();
    return deliveryIdFor(messageId!, callbackId);
  }

  const deliveryRow = (id: string) => page.getByRole('row').filter({ has: page.getByRole('link', { name: `Delivery ${id}` }) });

  it('sends a test event and shows its delivery with the attempt', async () => {
    const before = receiver.requests.length;
    await sendTestEventAndOpenItsDelivery('delivered');
    const attempts = page.getByRole('table').getByRole('row');
    await attempts.nth(1).getByRole('cell', { name: '200', exact: true }).waitFor();
    expect(await attempts.nth(1).locator('pre.excerpt').textContent()).toBe('{"received":true}');
    // The endpoint got it, signed with the secret the console showed.
    const request = receiver.requests[before]!;
    expect(() => new Webhook(firstSecret).verify(request.body, request.headers as Record<string, string>)).not.toThrow();
    await page.getByRole('heading', { name: 'Event' }).waitFor();
  });

  it('shows an HTML error body of a receiver as text and runs none of it', async () => {
    answer = { status: 500, body: HOSTILE_BODY, headers: { 'content-type': 'text/html' } };
    await sendTestEventAndOpenItsDelivery('failed');
    const excerpts = page.locator('pre.excerpt');
    await excerpts.first().waitFor();
    expect(await excerpts.first().textContent()).toBe(HOSTILE_BODY);
    expect(await page.locator('#injected').count()).toBe(0);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
    expect(await page.getByRole('table').getByRole('row').count()).toBe(1 + 3);
  });

  it('redelivers the failed delivery once the endpoint is back', async () => {
    answer = { status: 200, body: '{"received":true}', headers: { 'content-type': 'application/json' } };
    await page.getByRole('button', { name: 'Redeliver' }).click();
    await page.getByText(/^Redelivery requested/).waitFor();
    await page.locator('.facts').getByText('delivered', { exact: true }).waitFor({ timeout: 30_000 });
    const rows = page.getByRole('table').getByRole('row');
    await rows.nth(4).getByRole('cell', { name: '1.1', exact: true }).waitFor();
    expect(await rows.nth(4).getByRole('cell', { name: '200', exact: true }).count()).toBe(1);
  });

  it('recovers the failed deliveries of a callback since a time', async () => {
    answer = { status: 500, body: 'down', headers: { 'content-type': 'text/plain' } };
    const failed = await sendTestEventAndOpenItsDelivery('failed');
    answer = { status: 200, body: '{"received":true}', headers: { 'content-type': 'application/json' } };
    await page.goBack();
    await heading('Deliveries').waitFor();
    const recover = page.getByRole('form', { name: 'Recover failed since' });
    expect(await recover.getByLabel('Failed since').inputValue()).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    await recover.getByRole('button', { name: 'Recover failed' }).click();
    await page.getByText('1 failed delivery is being redelivered.').waitFor();
    await deliveryRow(failed).getByText('delivered', { exact: true }).waitFor({ timeout: 30_000 });
  });

  it('rotates the secret, shows the new one once, and deliveries carry both signatures during the overlap', async () => {
    await openCallback();
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const secret = (await page.getByTestId('secret').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(firstSecret);
    await page.getByText(/The previous secret keeps signing alongside it until/).waitFor();
    await screenshot(page, 'callback-rotated', { fullPage: true });

    const before = receiver.requests.length;
    await page.getByRole('button', { name: 'Send test event' }).click();
    await waitFor(() => receiver.requests.length > before, { label: 'delivery after rotation' });
    const request = receiver.requests[before]!;
    expect(String(request.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(() => new Webhook(secret).verify(request.body, request.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(firstSecret).verify(request.body, request.headers as Record<string, string>)).not.toThrow();

    await page.reload();
    await heading(/^Callback/).waitFor();
    expect(await page.getByTestId('secret').count()).toBe(0);
  });

  it('creates a hold with a reason and releases it', async () => {
    await nav('Holds').click();
    await heading('Holds').waitFor();
    await page.getByLabel('Message type').selectOption('orderEvent');
    await page.getByLabel('Reason').fill('Warehouse migration');
    await page.getByRole('button', { name: 'Create' }).click();
    const row = page.getByRole('row', { name: /orderEvent/ });
    await row.getByText('Warehouse migration').waitFor();
    expect((await subscriptionGet<{ holds: Array<{ message_type: string }> }>('/callback_holds')).body.holds).toEqual([
      expect.objectContaining({ message_type: 'orderEvent', reason: 'Warehouse migration' }),
    ]);
    await row.getByRole('button', { name: 'Release' }).click();
    await page.getByText('No message type is held.').waitFor();
    expect((await subscriptionGet<{ holds: unknown[] }>('/callback_holds')).body.holds).toEqual([]);
  });

  it('disables, enables and, after a confirmation, deletes a callback', async () => {
    const writer = await signDevToken({ secret: JWT_SECRET, account: ACCOUNT });
    const created = await fetch(`${platform.api('subscription-service', ACCOUNT)}/callbacks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ url: receiver.url('/short-lived'), message_type: 'rmaEvent', api_version: '1.0' }]),
    });
    expect(created.status).toBe(201);
    await nav('Callbacks').click();
    await page.getByRole('table').getByRole('link', { name: receiver.url('/short-lived') }).click();
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.locator('.facts').getByText('disabled', { exact: true }).waitFor();
    // Why it is disabled, from the API's disabled_reason.
    await page.locator('.facts').getByText('operator').waitFor();
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.locator('.facts').getByText('active', { exact: true }).waitFor();
    await page.locator('.facts').getByText('Healthy', { exact: true }).waitFor();
    expect(await page.locator('.facts').getByText('operator').count()).toBe(0);

    await page.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this callback?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await heading('Callbacks').waitFor();
    await page.getByRole('table').getByRole('link', { name: receiver.url('/hook') }).waitFor();
    expect(await page.getByRole('link', { name: receiver.url('/short-lived') }).count()).toBe(0);
    const listed = await subscriptionGet<{ callbacks: Array<{ url: string }> }>('/callbacks');
    expect(listed.body.callbacks.map((callback) => callback.url)).toEqual([receiver.url('/hook')]);
  });

  it('lists the event types with their schema and example', async () => {
    await nav('Event types').click();
    await page.getByRole('heading', { name: 'orderEvent', exact: true }).waitFor();
    expect(await page.locator('details').count()).toBeGreaterThanOrEqual(18);
  });

  it('filters deliveries, keeping the filters in the page address', async () => {
    await nav('Deliveries').click();
    await page.getByLabel('Status').selectOption('delivered');
    await page.waitForURL(/status=delivered/);
    await latestDeliveryRow().waitFor();
    const statuses = await page.getByRole('table').locator('tbody .badge').allTextContents();
    expect(statuses.length).toBeGreaterThanOrEqual(2);
    expect(new Set(statuses)).toEqual(new Set(['delivered']));
    await page.reload();
    expect(await page.getByLabel('Status').inputValue()).toBe('delivered');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL((url) => url.search === '');
  });

  it('draws the Overview charts from the delivery series', async () => {
    await nav('Overview').click();
    const chart = page.getByRole('figure').filter({ hasText: 'Deliveries per hour by outcome' });
    await chart.locator('canvas').waitFor();
    await waitFor(async () => (await paintedPixels(chart.locator('canvas'))) > 500, { label: 'chart painted', timeoutMs: 15_000 });
    expect(await page.getByRole('img', { name: /Deliveries per hour, last day: 4 delivered, 0 failed/ }).count()).toBe(1);
    await page.getByText('Last hour').click();
    await page.waitForURL(/window=hour/);
    const minutes = page.getByRole('figure').filter({ hasText: 'Deliveries per minute by outcome' });
    await waitFor(async () => (await minutes.locator('canvas').count()) === 1 && (await paintedPixels(minutes.locator('canvas'))) > 500, { label: 'minute chart painted' });
  });

  it('embeds without navigation and takes the theme and accent from the address', async () => {
    await page.goto(`${server.url}/deliveries?embed=1&theme=dark&accent=ff0066`);
    await heading('Deliveries').waitFor();
    expect(await page.getByRole('navigation').count()).toBe(0);
    expect(await page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark');
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim())).toBe('#ff0066');
  });

  it('sends a session the services refuse back to sign-in, and refuses an expired portal link, with a clear message', async () => {
    const refused = await browser.context.newPage();
    // Right claims, wrong signature: the page takes it, the first API call is refused with 401.
    const [head, body] = token.split('.');
    await refused.goto(`${server.url}/callbacks#token=${head}.${body}.${'A'.repeat(43)}`);
    await refused.getByRole('heading', { name: 'Sign in to Hookmesh' }).waitFor();
    await refused.getByRole('alert').getByText(/Your session has ended: the token expired or was revoked/).waitFor();
    expect(await refused.evaluate(() => Object.values(sessionStorage).filter((value) => value.includes('.')).length)).toBe(0);

    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const expired = Buffer.from(JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 })).toString('base64url');
    await refused.goto(`${server.url}/#token=${head}.${expired}.${'A'.repeat(43)}`);
    await refused.getByRole('alert').getByText(/This portal link cannot sign you in\. That token expired/).waitFor();
    expect(refused.url()).toBe(`${server.url}/`);
    await refused.getByLabel('Access token').fill(`${head}.${expired}.sig`);
    await refused.getByRole('button', { name: 'Sign in' }).click();
    expect(await descriptionOf(refused.getByLabel('Access token'))).toMatch(/^That token expired .+ Ask for a new portal link or token\.$/);
    await screenshot(refused, 'sign-in');
    await refused.close();
  });

  it('never put a token in a URL, broke no policy and threw no error', async () => {
    const signature = token.split('.')[2]!;
    expect(browser.requested.filter((url) => url.includes(signature) || url.includes('token='))).toEqual([]);
    expect(await browser.violations(page)).toEqual([]);
    // The only refused calls are the two this suite provoked: the bad URL (400) and the forged token (401).
    const calls = `/api/subscription/${ACCOUNT}/api/v1/callbacks`;
    expect(new Set(browser.errors.filter((error) => !error.startsWith('console: Failed to load resource')))).toEqual(
      new Set([`response: 400 POST ${calls}`, `response: 401 GET ${calls}`]),
    );
  });
});
