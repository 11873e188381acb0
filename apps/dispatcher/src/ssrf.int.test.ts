// SSRF at delivery time with the production policy: the address checked is the address dialled, so rebinding cannot slip through.
import { checkCallbackUrl, type Resolver } from '@hookmesh/egress';
import { waitFor } from '@hookmesh/testing';
import type { Dispatcher } from './dispatcher';
import { attemptsOf, publishEvent, putCallback, startNatsHarness, startReceiver, startTestDispatcher, type NatsHarness, type Receiver } from './test-support';

describe('egress guard at delivery time', () => {
  let harness: NatsHarness;
  let dispatcher: Dispatcher;
  let receiver: Receiver;
  let lookups = 0;
  // Answers a public address once (when the URL is registered), loopback ever after: a DNS rebinding attack.
  const rebinding: Resolver = async (hostname) => {
    if (hostname !== 'rebind.test') throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    lookups += 1;
    return lookups === 1 ? ['93.184.216.34'] : ['127.0.0.1'];
  };

  beforeAll(async () => {
    harness = await startNatsHarness('ssrf');
    receiver = await startReceiver();
    dispatcher = await startTestDispatcher(harness, { egress: { allowPrivateTargets: false, resolver: rebinding } });
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await receiver?.close();
    await harness?.close();
  });

  it('refuses a host that resolved public at registration and loopback at delivery, and never connects', async () => {
    const url = `https://rebind.test:${receiver.port}/hook`;
    const registration = await checkCallbackUrl(url, { allowPrivateTargets: false }, rebinding);
    expect(registration.ok).toBe(true);
    await putCallback(harness, { account: 'rebind', url });
    await publishEvent(harness, 'rebind');

    const attempts = await waitFor(async () => {
      const found = await attemptsOf(harness, 'rebind');
      return found.length === 3 ? found : undefined;
    }, { label: 'three refused attempts' });
    // Retried like a network error (the DNS may be fixed), then failed at the end of the schedule.
    expect(attempts.map((a) => [a.error_class, a.outcome, a.status_code])).toEqual([
      ['ssrf_blocked', 'retrying', null],
      ['ssrf_blocked', 'retrying', null],
      ['ssrf_blocked', 'failed', null],
    ]);
    expect(attempts[0]!.error_message).toContain('127.0.0.1');
    expect(receiver.connections()).toBe(0);
  });

  it('refuses a loopback address literal', async () => {
    await putCallback(harness, { account: 'literal', url: `https://127.0.0.1:${receiver.port}/hook` });
    await publishEvent(harness, 'literal');
    const [attempt] = await waitFor(async () => {
      const found = await attemptsOf(harness, 'literal');
      return found.length > 0 ? found : undefined;
    }, { label: 'refused attempt' });
    expect(attempt).toMatchObject({ error_class: 'ssrf_blocked', status_code: null });
    expect(receiver.connections()).toBe(0);
  });

  it('refuses plain http without the development switch', async () => {
    await putCallback(harness, { account: 'plain', url: `http://127.0.0.1:${receiver.port}/hook` });
    await publishEvent(harness, 'plain');
    const [attempt] = await waitFor(async () => {
      const found = await attemptsOf(harness, 'plain');
      return found.length > 0 ? found : undefined;
    }, { label: 'refused attempt' });
    expect(attempt).toMatchObject({ error_class: 'ssrf_blocked', error_message: 'refusing a http callback URL: only https is allowed' });
    expect(receiver.connections()).toBe(0);
  });
});
