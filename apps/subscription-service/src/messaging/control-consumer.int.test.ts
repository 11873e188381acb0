// Auto-disable: the dispatcher's disable_callback command on CONTROL reaches Postgres and then the KV bucket.
import { type CallbackWithSecret, type ControlCommand } from '@hookmesh/contracts';
import { publishJson } from '@hookmesh/messaging';
import { startSubscriptionView, type SubscriptionView } from '@hookmesh/subscription-view';
import { waitFor } from '@hookmesh/testing';
import pino from 'pino';
import { call, startTestService, type TestService } from '../test-support';

describe('CONTROL consumer', () => {
  let svc: TestService;
  let view: SubscriptionView;

  beforeAll(async () => {
    svc = await startTestService({ label: 'control' });
    view = await startSubscriptionView({ kv: svc.kv, prefix: svc.prefix, log: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await view?.stop();
    await svc?.close();
  });

  async function createCallback(account: string): Promise<CallbackWithSecret> {
    const res = await call(`${svc.api(account)}/callbacks`, {
      method: 'POST',
      token: await svc.token(account),
      json: [{ url: 'https://failing.example.com/hook', message_type: 'orderEvent', api_version: '1.0' }],
    });
    expect(res.status).toBe(201);
    return (res.body as { callbacks: CallbackWithSecret[] }).callbacks[0]!;
  }

  function disable(account: string, callbackId: string): ControlCommand {
    return { command: 'disable_callback', account, callback_id: callbackId, reason: 'failing for 5 days', at: new Date().toISOString() };
  }

  async function pending(): Promise<number> {
    const info = await svc.jsm.consumers.info(svc.names.streams.control, svc.names.consumers.subscriptionControl);
    return info.num_pending + info.num_ack_pending;
  }

  it('disables the callback in Postgres, propagates it to the view and logs an operator warning', async () => {
    const callback = await createCallback('acme');
    await waitFor(() => view.callback('acme', callback.id)?.status === 'active', { timeoutMs: 1_000, label: 'active in the view' });

    const command = disable('acme', callback.id);
    await publishJson(svc.js, svc.names.controlSubject('acme', 'disable_callback'), command, { msgID: `disable:${callback.id}` });

    await waitFor(() => view.callback('acme', callback.id)?.status === 'disabled', { timeoutMs: 2_000, label: 'disabled in the view' });
    const res = await call(`${svc.api('acme')}/callbacks/${callback.id}`, { token: await svc.token('acme') });
    // A command from before causes were typed reads as failing.
    expect(res.body).toMatchObject({ id: callback.id, status: 'disabled', health: 'disabled', disabled_reason: 'failing' });
    const warning = svc.logs.lines().find((line) => line['callback_id'] === callback.id && line['level'] === 40);
    expect(warning).toMatchObject({ account: 'acme', reason: 'failing for 5 days' });
    expect(String(warning?.['msg'])).toContain('disabled automatically');
    await waitFor(async () => (await pending()) === 0, { timeoutMs: 2_000, label: 'command acked' });
  });

  it('records why: 410 Gone, or failing since when the failure began; re-enabling clears it', async () => {
    const gone = await createCallback('acme');
    const failing = await createCallback('acme');
    const token = await svc.token('acme');
    await publishJson(svc.js, svc.names.controlSubject('acme', 'disable_callback'), { ...disable('acme', gone.id), cause: 'gone', reason: 'the endpoint answered 410 Gone' }, { msgID: `gone:${gone.id}` });
    await publishJson(
      svc.js,
      svc.names.controlSubject('acme', 'disable_callback'),
      { ...disable('acme', failing.id), cause: 'failing', failing_since: '2026-11-26T09:00:00.000Z' },
      { msgID: `failing:${failing.id}` },
    );
    await waitFor(() => view.callback('acme', gone.id)?.status === 'disabled' && view.callback('acme', failing.id)?.status === 'disabled', { timeoutMs: 2_000, label: 'both disabled' });
    expect((await call(`${svc.api('acme')}/callbacks/${gone.id}`, { token })).body).toMatchObject({ status: 'disabled', disabled_reason: '410 Gone' });
    expect((await call(`${svc.api('acme')}/callbacks/${failing.id}`, { token })).body).toMatchObject({ status: 'disabled', disabled_reason: 'failing since 2026-11-26T09:00:00.000Z' });

    const enabled = await call(`${svc.api('acme')}/callbacks/${gone.id}`, { method: 'PATCH', token, json: { status: 'active' } });
    expect(enabled.body).toMatchObject({ status: 'active', disabled_reason: null });
    const byHand = await call(`${svc.api('acme')}/callbacks/${gone.id}`, { method: 'PATCH', token, json: { status: 'disabled' } });
    expect(byHand.body).toMatchObject({ status: 'disabled', health: 'disabled', disabled_reason: 'operator' });
    // Disabling what is already disabled keeps the first reason.
    const again = await call(`${svc.api('acme')}/callbacks/${failing.id}`, { method: 'PATCH', token, json: { status: 'disabled' } });
    expect(again.body).toMatchObject({ disabled_reason: 'failing since 2026-11-26T09:00:00.000Z' });
  });

  it("acks commands for unknown callbacks and never touches another account's callback of the same id", async () => {
    const theirs = await createCallback('globex');
    await publishJson(svc.js, svc.names.controlSubject('acme', 'disable_callback'), disable('acme', theirs.id), { msgID: `cross:${theirs.id}` });
    await publishJson(svc.js, svc.names.controlSubject('acme', 'disable_callback'), disable('acme', 'not-a-callback'), { msgID: 'unknown-cb' });
    await waitFor(async () => (await pending()) === 0, { timeoutMs: 2_000, label: 'commands acked' });
    const res = await call(`${svc.api('globex')}/callbacks/${theirs.id}`, { token: await svc.token('globex') });
    expect(res.body).toMatchObject({ status: 'active' });
  });

  it('drops a malformed command without blocking the ones after it', async () => {
    const callback = await createCallback('acme');
    await publishJson(svc.js, svc.names.controlSubject('acme', 'disable_callback'), { command: 'disable_callback', account: 'acme' }, { msgID: 'malformed-1' });
    await svc.js.publish(svc.names.controlSubject('acme', 'disable_callback'), 'not json', { msgID: 'malformed-2' });
    await publishJson(svc.js, svc.names.controlSubject('acme', 'disable_callback'), disable('acme', callback.id), { msgID: `disable:${callback.id}` });
    await waitFor(() => view.callback('acme', callback.id)?.status === 'disabled', { timeoutMs: 2_000, label: 'later command applied' });
    await waitFor(async () => (await pending()) === 0, { timeoutMs: 2_000, label: 'nothing left pending' });
    expect(svc.logs.lines().filter((line) => line['msg'] === 'dropping malformed CONTROL command')).toHaveLength(2);
  });
});
