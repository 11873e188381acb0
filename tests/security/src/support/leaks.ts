// Where secrets must never show up: process output, audit answers, error answers and /metrics of every service.
import { SERVICE_NAMES, type Platform } from '@hookmesh/testing';
import { seenBodies } from './probe';

/** One place a secret was found, without the secret itself (the report must not leak either). */
export type Leak = { where: string; secretKind: string };

/** The secrets a test created or used, by kind (whsec_ secrets, callback tokens, bearer tokens). */
export class SecretRegistry {
  private readonly secrets = new Map<string, string>();

  add(kind: string, ...values: string[]): void {
    // Short values would match by accident and are not secrets we mint.
    for (const value of values) if (value.length >= 16) this.secrets.set(value, kind);
  }

  get size(): number {
    return this.secrets.size;
  }

  /** Finds every registered secret in `text`; the signature part of a JWT counts on its own too. */
  scan(where: string, text: string): Leak[] {
    const leaks: Leak[] = [];
    for (const [secret, kind] of this.secrets) {
      const needles = [secret];
      if (kind === 'bearer token') needles.push(secret.split('.')[2] ?? secret);
      // A whsec_ secret's key is the base64 part; finding that alone is a leak as well.
      if (secret.startsWith('whsec_')) needles.push(secret.slice('whsec_'.length));
      if (needles.some((needle) => needle.length >= 16 && text.includes(needle))) leaks.push({ where, secretKind: kind });
    }
    return leaks;
  }
}

/** Scans the four services' output, their /metrics, every answer body seen so far and the given extra texts. */
export async function findLeaks(platform: Platform, secrets: SecretRegistry, extra: Record<string, string> = {}): Promise<{ leaks: Leak[]; places: number }> {
  const places: Record<string, string> = { ...extra };
  for (const name of SERVICE_NAMES) {
    places[`${name} output`] = platform.output(name);
    places[`${name} /metrics`] = await (await fetch(`${platform.urls[name]}/metrics`)).text();
  }
  seenBodies.forEach((body, index) => (places[`answer #${index}`] = body));
  const leaks = Object.entries(places).flatMap(([where, text]) => secrets.scan(where, text));
  return { leaks, places: Object.keys(places).length };
}

/** Every audit API answer about an account: the delivery list, each delivery and message in full, and stats. */
export async function auditAnswers(platform: Platform, account: string): Promise<Record<string, string>> {
  const token = await platform.token(account);
  const base = platform.api('audit', account);
  const get = async (path: string) => (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } })).text();
  const answers: Record<string, string> = { [`audit ${account} /deliveries`]: await get('/deliveries?limit=200'), [`audit ${account} /stats`]: await get('/stats') };
  const list = JSON.parse(answers[`audit ${account} /deliveries`]!) as { deliveries: Array<{ id: string; message_id: string }> };
  for (const delivery of list.deliveries) {
    answers[`audit ${account} /deliveries/${delivery.id}`] = await get(`/deliveries/${delivery.id}`);
    answers[`audit ${account} /messages/${delivery.message_id}`] = await get(`/messages/${delivery.message_id}`);
  }
  return answers;
}
