// The ledger of the promise "every accepted event is delivered at least once": what producers got a 202 for
// on one side, what receivers acknowledged with a valid Standard Webhooks signature on the other.
import type { CreatedCallback, ReceivedRequest } from '@hookmesh/testing';
import { Webhook } from 'standardwebhooks';

export type LedgerReport = {
  /** Events that got a 202. */
  accepted: number;
  /** (event, callback) pairs that must be delivered. */
  expected: number;
  /** Expected pairs a receiver answered with a 2xx on a live connection, under a valid signature. */
  delivered: number;
  /** Expected pairs never delivered: must be empty. */
  lost: string[];
  /** Delivered pairs nobody expected (an event without a 202, a wrong callback): must be empty. */
  unexpected: string[];
  /** Deliveries beyond the first per pair: at-least-once allows them, so they are counted, not failed on. */
  duplicates: number;
  /** Requests whose signature did not verify with the callback's secrets: must be empty. */
  forged: string[];
  /** Every request the receivers got, whatever became of it. */
  requests: number;
  /**
   * Distinct (delivery, attempt) the receivers saw: what the audit log must explain. (A crashed dispatcher's
   * attempt is sent again under the same number, which the audit stores once; fault tests make no redeliveries,
   * so every attempt is of series 0.)
   */
  attempts: number;
};

export type Ledger = {
  /** Registers callbacks and the secrets their deliveries must be signed with. */
  trust(callbacks: readonly CreatedCallback[]): void;
  /** Records an event that got a 202, and the callbacks it must reach. */
  accept(messageId: string, callbackIds: readonly string[]): void;
  /** The message ids accepted so far. */
  acceptedIds(): string[];
  /** Balances the books against everything the receivers recorded. */
  report(requests: readonly ReceivedRequest[]): LedgerReport;
};

const pairKey = (messageId: string, callbackId: string): string => `${messageId}/${callbackId}`;
const header = (request: ReceivedRequest, name: string): string => String(request.headers[name] ?? '');

/** An empty ledger. */
export function createLedger(): Ledger {
  const verifiers = new Map<string, Webhook>();
  const expected = new Set<string>();
  const accepted = new Set<string>();

  function verified(request: ReceivedRequest): boolean {
    const verifier = verifiers.get(header(request, 'x-hookmesh-callback-id'));
    if (!verifier) return false;
    try {
      verifier.verify(request.body, {
        'webhook-id': header(request, 'webhook-id'),
        'webhook-timestamp': header(request, 'webhook-timestamp'),
        'webhook-signature': header(request, 'webhook-signature'),
      });
      return true;
    } catch {
      return false;
    }
  }

  return {
    trust(callbacks) {
      for (const callback of callbacks) verifiers.set(callback.id, new Webhook(callback.secret));
    },
    accept(messageId, callbackIds) {
      accepted.add(messageId);
      for (const callbackId of callbackIds) expected.add(pairKey(messageId, callbackId));
    },
    acceptedIds: () => [...accepted],
    report(requests) {
      const deliveredCounts = new Map<string, number>();
      const forged: string[] = [];
      const attempts = new Set<string>();
      for (const request of requests) {
        const key = pairKey(header(request, 'webhook-id'), header(request, 'x-hookmesh-callback-id'));
        if (!verified(request)) {
          forged.push(key);
          continue;
        }
        attempts.add(`${header(request, 'x-hookmesh-delivery')}/${header(request, 'x-hookmesh-attempt')}`);
        const acknowledged = request.outcome === 'answered' && request.status !== undefined && request.status >= 200 && request.status < 300;
        if (acknowledged) deliveredCounts.set(key, (deliveredCounts.get(key) ?? 0) + 1);
      }
      const lost = [...expected].filter((key) => !deliveredCounts.has(key));
      const unexpected = [...deliveredCounts.keys()].filter((key) => !expected.has(key));
      const duplicates = [...deliveredCounts.values()].reduce((sum, count) => sum + count - 1, 0);
      return {
        accepted: accepted.size,
        expected: expected.size,
        delivered: [...deliveredCounts.keys()].filter((key) => expected.has(key)).length,
        lost,
        unexpected,
        duplicates,
        forged,
        requests: requests.length,
        attempts: attempts.size,
      };
    },
  };
}
