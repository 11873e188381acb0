// Composition root of the dispatcher: the only place that reads env, connects, starts and stops.
// `node main.js` serves; `node main.js migrate` creates or updates its streams and exits (a Kubernetes Job).
import { telemetry } from './instrument';
import { developmentSwitchWarnings, loadConfigOrExit } from '@hookmesh/config';
import { natsNames } from '@hookmesh/contracts';
import { startHttpServer } from '@hookmesh/http';
import { createShutdown } from '@hookmesh/lifecycle';
import { createLogger } from '@hookmesh/logging';
import { connectNats, jetstreamManager, streamSettingsFromEnv } from '@hookmesh/messaging';
import { readFileSync } from 'node:fs';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createApp } from './app';
import { loadConfig } from './config';
import { createDispatcher } from './dispatcher';
import { ensureDispatcherStreams } from './messaging/streams';
import { SERVICE_NAME } from './service-name';

async function main(command: string | undefined): Promise<void> {
  const config = loadConfigOrExit(loadConfig);
  const log = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL, pretty: config.NODE_ENV === 'development' });
  const names = natsNames(config.HOOKMESH_STREAM_PREFIX);
  const nc = await connectNats({ servers: config.NATS_URL, name: SERVICE_NAME, log });
  const jsm = await jetstreamManager(nc);
  await ensureDispatcherStreams(jsm, streamSettingsFromEnv(config));
  log.info({ deliveries: names.streams.deliveries, audit: names.streams.audit }, 'dispatcher streams ready');

  if (command === 'migrate') {
    await nc.drain();
    await telemetry.shutdown();
    return;
  }
  if (command !== undefined) throw new Error(`unknown command "${command}"; use no argument to serve, or "migrate"`);

  for (const warning of developmentSwitchWarnings(config)) log.warn(warning);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const dispatcher = await createDispatcher({
    nc,
    names,
    log,
    registry,
    secretsKeys: config.secretsKeys,
    delivery: {
      schedule: config.HOOKMESH_RETRY_SCHEDULE,
      timeoutMs: config.HOOKMESH_DELIVERY_TIMEOUT,
      timeScale: config.HOOKMESH_RETRY_TIME_SCALE,
      retryAfterMaxMs: config.retryAfterMaxMs,
      holdRecheckMs: config.HOOKMESH_HOLD_RECHECK,
      busyRecheckMs: config.HOOKMESH_BUSY_RECHECK,
      headerPrefix: config.HOOKMESH_HEADER_PREFIX,
      userAgent: config.HOOKMESH_USER_AGENT,
      excerptMaxBytes: config.HOOKMESH_RESPONSE_EXCERPT_MAX,
    },
    concurrency: {
      overall: config.HOOKMESH_DISPATCH_CONCURRENCY,
      perCallback: config.HOOKMESH_PER_CALLBACK_CONCURRENCY,
      accountShare: config.HOOKMESH_ACCOUNT_CONCURRENCY_SHARE,
      fanout: config.HOOKMESH_FANOUT_CONCURRENCY,
      connectionsPerOrigin: config.HOOKMESH_CONNECTIONS_PER_ORIGIN,
    },
    streamReplicas: config.HOOKMESH_STREAM_REPLICAS,
    retentionMs: config.HOOKMESH_RETENTION,
    circuit: {
      threshold: config.HOOKMESH_CIRCUIT_THRESHOLD,
      cooldownMs: config.HOOKMESH_CIRCUIT_COOLDOWN,
      disableAfterMs: config.HOOKMESH_DISABLE_AFTER,
    },
    maxAckPending: config.HOOKMESH_MAX_ACK_PENDING,
    maxWaiting: config.HOOKMESH_MAX_WAITING,
    ackWaitMarginMs: config.HOOKMESH_ACK_WAIT_MARGIN,
    egress: {
      allowPrivateTargets: config.HOOKMESH_ALLOW_PRIVATE_TARGETS,
      extraCa: config.HOOKMESH_EXTRA_CA_FILE === undefined ? undefined : readFileSync(config.HOOKMESH_EXTRA_CA_FILE, 'utf8'),
    },
  });
  const server = await startHttpServer(createApp({ log, registry, nc, dispatcher }), { port: config.PORT, host: config.HOST, log });

  // Order matters: stop HTTP, let running attempts settle and stop pulling, then drain NATS, flush traces.
  const shutdown = createShutdown(log, { stepTimeoutMs: config.HOOKMESH_DELIVERY_TIMEOUT + 10_000 });
  shutdown.register('http server', () => server.close());
  shutdown.register('dispatcher', () => dispatcher.stop());
  shutdown.register('nats', () => nc.drain());
  shutdown.register('telemetry', () => telemetry.shutdown());
  shutdown.onSignals();
  log.info(
    {
      port: server.port,
      attempts: config.HOOKMESH_RETRY_SCHEDULE.length,
      concurrency: config.HOOKMESH_DISPATCH_CONCURRENCY,
      per_callback: config.HOOKMESH_PER_CALLBACK_CONCURRENCY,
      view: dispatcher.view.size(),
    },
    'dispatcher started',
  );
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(`dispatcher failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
