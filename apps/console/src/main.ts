// Composition root: reads the environment, starts the console server, stops it on SIGTERM/SIGINT.
import { telemetry } from './instrument';
import { ConfigError } from '@hookmesh/config';
import { startHttpServer } from '@hookmesh/http';
import { createShutdown } from '@hookmesh/lifecycle';
import { createLogger } from '@hookmesh/logging';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { Agent } from 'undici';
import { createApp, SERVICE_NAME } from './app';
import { loadConfig } from './config';
import { createConsoleMetrics } from './metrics';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL, pretty: config.NODE_ENV === 'development' });
  const shutdown = createShutdown(log);
  // The build puts the app beside this bundle: dist/apps/console/{main.js,web/}.
  const assetsDir = path.resolve(config.HOOKMESH_CONSOLE_ASSETS_DIR ?? path.join(__dirname, 'web'));
  if (!existsSync(path.join(assetsDir, 'index.html'))) {
    throw new Error(`no built console in ${assetsDir}: run \`npx nx run console:build\` (or set HOOKMESH_CONSOLE_ASSETS_DIR)`);
  }

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // One keep-alive pool for the three services; connect and idle limits well inside the forwarding timeout.
  const dispatcher = new Agent({ connections: 64, connectTimeout: 5_000, keepAliveTimeout: 10_000 });
  const app = createApp({
    log,
    registry,
    metrics: createConsoleMetrics(registry),
    upstreams: { subscription: config.HOOKMESH_SUBSCRIPTION_URL, ingest: config.HOOKMESH_INGEST_URL, audit: config.HOOKMESH_AUDIT_URL },
    dispatcher,
    upstreamTimeoutMs: config.HOOKMESH_UPSTREAM_TIMEOUT,
    assetsDir,
    frameAncestors: config.HOOKMESH_CONSOLE_FRAME_ANCESTORS,
    maxBody: config.HOOKMESH_MAX_BODY,
  });
  const server = await startHttpServer(app, { port: config.PORT, host: config.HOST, log });

  // Stop accepting (in-flight forwarded calls finish), close the upstream pool, flush telemetry.
  shutdown.register('http', () => server.close());
  shutdown.register('upstreams', () => dispatcher.close());
  shutdown.register('telemetry', () => telemetry.shutdown());
  shutdown.onSignals();
  log.info(
    { port: server.port, subscription: config.HOOKMESH_SUBSCRIPTION_URL, ingest: config.HOOKMESH_INGEST_URL, audit: config.HOOKMESH_AUDIT_URL },
    'console ready',
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('console failed to start:', error);
  }
  process.exit(1);
});
