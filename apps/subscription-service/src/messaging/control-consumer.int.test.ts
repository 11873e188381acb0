// Auto-disable: the dispatcher's disable_callback command on CONTROL reaches Postgres and then the KV bucket.
import { EventRecord, type CallbackWithSecret, type ControlCommand } from '@hookmesh/contracts';
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

  it('tells the operator: one callback.disabled event on EVENTS with the callback, the reason and the last attempt', async () => {
    const callback = await createCallback('acme');
    const subject = svc.names.eventSubject('admin', 'callback.disabled');
    const count = async () => (await svc.jsm.streams.info(svc.names.streams.events, { subjects_filter: subject })).state.subjects?.[subject] ?? 0;
    const before = await count();
    const command = {
      ...disable('acme', callback.id),
      cause: 'gone' as const,
      reason: 'endpoint answered 410 Gone',
      last_attempt: { delivery_id: '0191d7a0-0000-7000-8000-0000000000aa', message_id: 'msg-410', message_type: 'orderEvent', attempt: 1, status_code: 410, error: 'HTTP 410 Gone: callback disabled' },
    };
    await publishJson(svc.js, svc.names.controlSubject('acme', 'disable_callback'), command, { msgID: `op:${callback.id}` });
    // Delivered twice (as after a crash before the ack): still one event.
    await publishJson(svc.js, svc.names.controlSubject('acme', 'disable_callback'), command, { msgID: `op-again:${callback.id}` });
    await waitFor(async () => (await pending()) === 0, { timeoutMs: 3_000, label: 'commands acked' });
    const stored = await svc.jsm.streams.getMessage(svc.names.streams.events, { last_by_subj: subject });
    const event = EventRecord.parse(stored!.json());
    expect(event).toMatchObject({ account: 'admin', message_type: 'callback.disabled', api_version: '1.0' });
    expect(event.data).toEqual({
      account: 'acme',
      callback_id: callback.id,
      url: 'https://failing.example.com/hook',
      message_type: 'orderEvent',
      reason: '410 Gone',
      delivery_id: '0191d7a0-0000-7000-8000-0000000000aa',
      last_status_code: 410,
      last_error: 'HTTP 410 Gone: callback disabled',
      attempts: 1,
      message_link: '/acme/api/v1/messages/msg-410',
      at: command.at,
    });
    expect(await count()).toBe(before + 1);
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
