// A small, correct webhook receiver: what we recommend customers build (MasonHub's Express
// example, done right). It verifies the Standard Webhooks signature over the RAW body,
// answers fast, ignores repeats by webhook-id, and does the work after answering.
import { DeliveryEnvelope, WebhookSecret, verifyStandardWebhook } from '@hookmesh/contracts';
import express, { type Express } from 'express';

export type ReceivedEvent = {
  webhookId: string;
  messageType: string;
  callbackId: string | undefined;
  attempt: string | undefined;
  receivedAt: string;
  envelope: DeliveryEnvelope;
};

export type ReceiverOptions = {
  /** The signing secrets (whsec_…) this receiver trusts; read on every request so new ones apply at once. */
  secrets: () => readonly string[];
  /** Runs after the 200 has been sent: the receiver's real work. */
  onEvent: (event: ReceivedEvent) => void;
  /** Trusts one more secret from now on (POST /secrets, what a customer does when pasting a new secret into its config). */
  learnSecret?: (secret: string) => void;
  /** How many webhook-ids to remember for deduplication. */
  rememberIds?: number;
};

/** Builds the receiver app: POST /webhook verifies, dedupes and acknowledges; GET /events lists what arrived. */
export function createReceiverApp(options: ReceiverOptions): Express {
  const app = express();
  const seen = new Set<string>();
  const recent: ReceivedEvent[] = [];
  const remember = options.rememberIds ?? 10_000;

  // The signature covers the exact bytes sent, so the body must stay raw until verified.
  app.post('/webhook', express.raw({ type: '*/*', limit: '1mb' }), (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const verdict = verifyStandardWebhook({ headers: req.headers, body, secrets: options.secrets() });
    if (!verdict.ok) {
      res.status(401).json({ error: verdict.reason, message: verdict.message });
      return;
    }
    if (seen.has(verdict.id)) {
      res.status(200).json({ status: 'duplicate' });
      return;
    }
    const parsed = DeliveryEnvelope.safeParse(JSON.parse(body.toString('utf8')));
    if (!parsed.success) {
      // Signed by the sender but not an envelope we understand: accept, so it is not retried forever.
      res.status(200).json({ status: 'ignored' });
      return;
    }
    seen.add(verdict.id);
    if (seen.size > remember) seen.delete(seen.values().next().value as string);
    res.status(200).json({ status: 'ok' });
    const event: ReceivedEvent = {
      webhookId: verdict.id,
      messageType: parsed.data.message_type,
      callbackId: req.header('x-hookmesh-callback-id') ?? undefined,
      attempt: req.header('x-hookmesh-attempt') ?? undefined,
      receivedAt: new Date().toISOString(),
      envelope: parsed.data,
    };
    recent.push(event);
    if (recent.length > 100) recent.shift();
    setImmediate(() => options.onEvent(event));
  });

  // For the walk-through: pipe a new callback's secret here and deliveries to it verify.
  app.post('/secrets', express.text({ type: '*/*', limit: '1kb' }), (req, res) => {
    const secret = WebhookSecret.safeParse(typeof req.body === 'string' ? req.body.trim() : '');
    if (options.learnSecret === undefined || !secret.success) {
      res.status(400).json({ error: 'send one whsec_ secret as the body' });
      return;
    }
    options.learnSecret(secret.data);
    res.status(201).json({ status: 'trusted' });
  });

  app.get('/events', (_req, res) => {
    res.json({ events: recent });
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  return app;
}
