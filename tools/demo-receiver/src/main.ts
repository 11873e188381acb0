// The demo receiver of `npm run up` (port 3005). Trusted secrets come from DEMO_RECEIVER_SECRETS
// (comma-separated) and from the file DEMO_RECEIVER_SECRETS_FILE (a JSON array), re-read on change.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createReceiverApp } from './receiver';

const port = Number(process.env['PORT'] ?? 3005);
const fromEnv = (process.env['DEMO_RECEIVER_SECRETS'] ?? '').split(',').filter(Boolean);
const learned: string[] = [];
const file = process.env['DEMO_RECEIVER_SECRETS_FILE'];
let cached: { mtimeMs: number; secrets: string[] } = { mtimeMs: -1, secrets: [] };

function secrets(): string[] {
  if (!file) return fromEnv;
  try {
    const { mtimeMs } = statSync(file);
    if (mtimeMs !== cached.mtimeMs) cached = { mtimeMs, secrets: JSON.parse(readFileSync(file, 'utf8')) as string[] };
  } catch {
    cached = { mtimeMs: -1, secrets: [] };
  }
  return [...fromEnv, ...cached.secrets, ...learned];
}

function learnSecret(secret: string): void {
  if (secrets().includes(secret)) return;
  if (file) {
    // Kept in the file too, so the next `npm run up` still trusts it.
    writeFileSync(file, JSON.stringify([...cached.secrets, secret]), { mode: 0o600 });
  } else {
    learned.push(secret);
  }
}

const app = createReceiverApp({
  secrets,
  learnSecret,
  onEvent: (event) => {
    const items = Array.isArray(event.envelope.data) ? event.envelope.data.length : 1;
    console.log(
      JSON.stringify({ level: 'info', msg: 'webhook received', message_type: event.messageType, message_id: event.envelope.message_id, callback_id: event.callbackId, attempt: event.attempt, items }),
    );
  },
});
const server = app.listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ level: 'info', msg: `demo receiver listening on http://127.0.0.1:${port}/webhook` }));
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => server.close(() => process.exit(0)));
