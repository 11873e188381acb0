// The other half of the promise: "every attempt is explained". Reads the audit API for every accepted event
// and checks each delivery carries its attempts, numbered without gaps, the last one matching its status.
import { call, waitFor, type DeliveryView, type Platform } from '@hookmesh/testing';

export type AuditBooks = {
  /** Deliveries the audit API lists for the accepted events. */
  deliveries: number;
  /** Deliveries by status. */
  byStatus: Record<string, number>;
  /** Attempts the audit API lists across those deliveries. */
  attempts: number;
  /** Deliveries whose attempts do not explain their status (gaps, wrong last outcome): must be empty. */
  unexplained: string[];
};

type MessageView = { deliveries: DeliveryView[] };

async function deliveriesOf(platform: Platform, account: string, messageId: string): Promise<DeliveryView[]> {
  const response = await call<MessageView>(platform, 'audit', account, 'GET', `/messages/${messageId}`);
  return response.status === 200 ? response.body.deliveries : [];
}

/** Why a delivery's attempts do not explain its status, or undefined when they do. */
function explanationGap(delivery: DeliveryView): string | undefined {
  const attempts = delivery.attempts ?? [];
  if (attempts.length !== delivery.attempts_count) return `attempts_count ${delivery.attempts_count} but ${attempts.length} attempts listed`;
  const numbers = attempts.map((attempt) => attempt.attempt);
  if (numbers.some((number, index) => number !== index + 1)) return `attempt numbers ${numbers.join(',')} have gaps`;
  const last = attempts.at(-1);
  if (delivery.status === 'delivered' && last?.outcome !== 'delivered') return `delivered but the last attempt says ${last?.outcome ?? 'nothing'}`;
  if (delivery.status === 'failed' && last?.outcome !== 'failed') return `failed but the last attempt says ${last?.outcome ?? 'nothing'}`;
  return undefined;
}

/**
 * Waits until the audit API shows, for every message, `callbacksPerMessage` deliveries in a final state
 * (`settled`), then reads each delivery with its attempts.
 */
export async function readAuditBooks(
  platform: Platform,
  account: string,
  messageIds: readonly string[],
  options: { callbacksPerMessage: number; settled?: (delivery: DeliveryView) => boolean; timeoutMs?: number },
): Promise<AuditBooks> {
  const settled = options.settled ?? ((delivery: DeliveryView) => delivery.status === 'delivered');
  const views = new Map<string, DeliveryView[]>();
  await waitFor(
    async () => {
      const pending = messageIds.filter((id) => {
        const known = views.get(id);
        return !known || known.length !== options.callbacksPerMessage || !known.every(settled);
      });
      for (let start = 0; start < pending.length; start += 20) {
        const chunk = pending.slice(start, start + 20);
        const found = await Promise.all(chunk.map((id) => deliveriesOf(platform, account, id)));
        chunk.forEach((id, index) => views.set(id, found[index]!));
      }
      return messageIds.every((id) => {
        const known = views.get(id)!;
        return known.length === options.callbacksPerMessage && known.every(settled);
      });
    },
    { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 500, label: `audit settles ${messageIds.length} messages` },
  );

  const books: AuditBooks = { deliveries: 0, byStatus: {}, attempts: 0, unexplained: [] };
  const all = [...views.values()].flat();
  for (let start = 0; start < all.length; start += 20) {
    const details = await Promise.all(
      all.slice(start, start + 20).map(async (delivery) => (await call<DeliveryView>(platform, 'audit', account, 'GET', `/deliveries/${delivery.id}`)).body),
    );
    for (const detail of details) {
      books.deliveries += 1;
      books.byStatus[detail.status] = (books.byStatus[detail.status] ?? 0) + 1;
      books.attempts += detail.attempts?.length ?? 0;
      const gap = explanationGap(detail);
      if (gap) books.unexplained.push(`${detail.id}: ${gap}`);
    }
  }
  return books;
}
