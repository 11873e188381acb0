// The dispatcher alone: fan-out and delivery of a backlog of events to one callback, with the CPU it costs per
// delivery. Not part of `npm test` (jest matches *.test.ts); run it with `npx nx run dispatcher:bench-alone`.
// Knobs: BENCH_EVENTS (10000), BENCH_PER_CALLBACK (10, HOOKMESH_PER_CALLBACK_CONCURRENCY), BENCH_OVERALL (100,
// HOOKMESH_DISPATCH_CONCURRENCY), BENCH_PROFILE_OUT (a .cpuprofile of the measured part, for cpuprofile-summary.ts).
// It runs the dispatcher in the jest process against the real NATS (NATS_URL) with the defaults of config.ts;
// the receiver is a separate node process, so the process CPU measured is the dispatcher's own.
import { eventMsgId, eventTypes, newMessageId, type EventRecord } from '@hookmesh/contracts';
import { publishJson } from '@hookmesh/messaging';
import { cpuSeconds, sumOverProcessesNamed, syscalls, waitFor } from '@hookmesh/testing';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { putCallback, startNatsHarness, startTestDispatcher, type NatsHarness } from './test-support';

const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 10_000);
const PER_CALLBACK = Number(process.env['BENCH_PER_CALLBACK'] ?? 10);
const OVERALL = Number(process.env['BENCH_OVERALL'] ?? 100);
const PROFILE_OUT = process.env['BENCH_PROFILE_OUT'];

/** A node process that answers every POST `200 ok` and prints how many it answered, every 50 ms. */
function startCountingReceiver() {
  const child = spawn(process.execPath, [
    '-e',
    `let n = 0;
     const server = require('node:http').createServer((req, res) => { req.resume(); req.on('end', () => { n += 1; res.end('ok'); }); });
     server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
     setInterval(() => console.log('count ' + n), 50);`,
  ]);
  const state = { port: 0, count: 0 };
  child.stdout.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.startsWith('port ')) state.port = Number(line.slice(5));
      if (line.startsWith('count ')) state.count = Number(line.slice(6));
    }
  });
  return { state, stop: () => child.kill() };
}

async function publishBacklog(h: NatsHarness, account: string): Promise<void> {
  const data = eventTypes.orderEvent.example.data;
  let inFlight: Array<Promise<unknown>> = [];
  for (let i = 0; i < EVENTS; i += 1) {
    const record: EventRecord = { message_id: newMessageId(), account, message_type: 'orderEvent', api_version: '1.0', data, ingested_at: new Date().toISOString() };
    inFlight.push(publishJson(h.js, h.names.eventSubject(account, 'orderEvent'), record, { msgID: eventMsgId(record) }));
    if (inFlight.length >= 500) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  await Promise.all(inFlight);
}

it(`delivers ${EVENTS} events to one callback`, async () => {
  const h = await startNatsHarness('alone');
  const receiver = startCountingReceiver();
  const session = new Session();
  try {
    await waitFor(() => receiver.state.port > 0, { label: 'receiver listening' });
    // A dispatcher that only keeps the view, so the callback is known before any event is.
    const viewOnly = await startTestDispatcher(h, { roles: { fanout: false, delivery: false } });
    await putCallback(h, { account: 'alone', url: `http://127.0.0.1:${receiver.state.port}/hook` });
    await publishBacklog(h, 'alone');
    await viewOnly.stop();

    session.connect();
    if (PROFILE_OUT !== undefined) {
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const cpuBefore = process.cpuUsage();
    const natsBefore = sumOverProcessesNamed('nats-server', cpuSeconds);
    const syscallsBefore = { own: syscalls(process.pid) ?? 0, nats: sumOverProcessesNamed('nats-server', syscalls) };
    const started = performance.now();
    const dispatcher = await startTestDispatcher(h, {
      concurrency: { overall: OVERALL, perCallback: PER_CALLBACK, fanout: 32, connectionsPerOrigin: 20 },
      delivery: { schedule: [0, 5_000, 300_000], busyRecheckMs: 500, progressIntervalMs: 10_000 },
    });
    await waitFor(() => receiver.state.count >= EVENTS, { timeoutMs: 300_000, intervalMs: 20, label: 'every event delivered' });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const natsSeconds = sumOverProcessesNamed('nats-server', cpuSeconds) - natsBefore;
    const calls = { own: (syscalls(process.pid) ?? 0) - syscallsBefore.own, nats: sumOverProcessesNamed('nats-server', syscalls) - syscallsBefore.nats };
    if (PROFILE_OUT !== undefined) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(PROFILE_OUT, JSON.stringify(profile));
    }
    const delivery = await h.jsm.consumers.info(h.names.streams.deliveries, h.names.consumers.dispatcherDelivery);
    const audit = await h.jsm.streams.info(h.names.streams.audit);
    await dispatcher.stop();

    const perDeliveryUs = (value: number) => Math.round(value / EVENTS);
    console.log(
      [
        `dispatcher alone: ${EVENTS} deliveries in ${seconds.toFixed(2)} s = ${Math.round(EVENTS / seconds)}/s`,
        `(per callback ${PER_CALLBACK}, overall ${OVERALL})`,
        `dispatcher CPU ${perDeliveryUs(cpu.user + cpu.system)} µs/delivery (user ${perDeliveryUs(cpu.user)}, system ${perDeliveryUs(cpu.system)}),`,
        `nats-server ${perDeliveryUs(natsSeconds * 1e6)} µs/delivery;`,
        `read+write system calls per delivery: dispatcher ${(calls.own / EVENTS).toFixed(1)}, nats-server ${(calls.nats / EVENTS).toFixed(1)};`,
        `task deliveries ${delivery.delivered.consumer_seq} for ${delivery.delivered.stream_seq} tasks, AUDIT messages ${audit.state.messages}`,
      ].join(' '),
    );
    expect(receiver.state.count).toBeGreaterThanOrEqual(EVENTS);
  } finally {
    session.disconnect();
    receiver.stop();
    await h.close();
  }
}, 600_000);
