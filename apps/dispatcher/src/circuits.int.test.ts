// Circuits are the installation's, not a process's: one opened by a dispatcher holds another's deliveries and
// survives a restart, and after the cool-down exactly one probe goes out, whichever replica sends it.
import { CircuitRecord, type DeliveryHeldRecord } from '@hookmesh/contracts';
import { openKv } from '@hookmesh/messaging';
import { waitFor } from '@hookmesh/testing';
import { attemptsOf, auditOf, publishEvent, putCallback, startNatsHarness, startReceiver, startTestDispatcher, type NatsHarness, type Receiver } from './test-support';

const circuit = { threshold: 2, cooldownMs: 1_500, disableAfterMs: 86_400_000 };
// One attempt per event, so each event is one failure.
const delivery = { schedule: [0], holdRecheckMs: 100 };

describe('shared circuits', () => {
  let h: NatsHarness;
  let endpoint: Receiver;
  let healthy = false;
  const stops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    h = await startNatsHarness('circuits');
    endpoint = await startReceiver(() => ({ status: healthy ? 200 : 500 }));
  });
  afterAll(async () => {
    await Promise.all(stops.map((stop) => stop()));
    await endpoint.close();
    await h.close();
  });

  const record = async (account: string, callbackId: string) => {
    const kv = await openKv(h.js, h.names.circuits.bucket);
    const entry = await kv.get(h.names.circuits.key(account, callbackId));
    return entry === null || entry.operation !== 'PUT' ? undefined : CircuitRecord.parse(entry.json());
  };

  it('opens once for the installation, holds the other replica and a restarted one, then closes after one probe', async () => {
    const { state } = await putCallback(h, { account: 'flaky', url: `${endpoint.url}/hook` });
    const first = await startTestDispatcher(h, { circuit, delivery });
    await publishEvent(h, 'flaky');
    await publishEvent(h, 'flaky');
    await waitFor(async () => (await attemptsOf(h, 'flaky')).length === 2, { label: 'two failed attempts' });
    const opened = await waitFor(async () => ((await record('flaky', state.id))?.closes_at ? record('flaky', state.id) : undefined), { label: 'circuit record opened' });
    expect(opened).toMatchObject({ consecutive_failures: 2, last_status_code: 500, opened_at: expect.any(String), closes_at: expect.any(String) });

    // The process that opened it restarts: a new one (and a second replica) read the open circuit from the bucket.
    await first.stop();
    const restarted = await startTestDispatcher(h, { circuit, delivery });
    const replica = await startTestDispatcher(h, { circuit, delivery });
    stops.push(() => restarted.stop(), () => replica.stop());
    for (let n = 0; n < 4; n += 1) await publishEvent(h, 'flaky');
    await waitFor(async () => (await auditOf(h, 'flaky')).filter((r): r is DeliveryHeldRecord => r.kind === 'delivery_held' && r.reason === 'circuit_open').length === 4, {
      label: 'four deliveries waiting on the open circuit',
    });
    expect(endpoint.requests).toHaveLength(2);

    // After the cool-down exactly one probe goes out across both replicas; it fails, and the circuit opens again.
    await waitFor(() => endpoint.requests.length === 3, { timeoutMs: 5_000, label: 'the probe' });
    const probe = endpoint.requests[2]!;
    expect(probe.at - Date.parse(opened!.opened_at!)).toBeGreaterThanOrEqual(circuit.cooldownMs - 100);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(endpoint.requests).toHaveLength(3);
    expect((await record('flaky', state.id))?.consecutive_failures).toBe(3);

    // Healthy again: the next probe succeeds, closes the circuit, and the waiting deliveries follow it.
    healthy = true;
    // Four were held: the failed probe used one up (a single-attempt schedule), the good probe and two more follow.
    await waitFor(() => endpoint.requests.length === 6, { timeoutMs: 10_000, label: 'the held deliveries sent after the probe' });
    const second = endpoint.requests[3]!;
    expect(second.at - probe.at).toBeGreaterThanOrEqual(circuit.cooldownMs - 100);
    await waitFor(async () => (await record('flaky', state.id)) === undefined, { label: 'circuit record gone (closed)' });
  });
});
