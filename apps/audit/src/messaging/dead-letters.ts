// Reads the DEAD stream for the operator API: pages of dead letters, newest first, by stream sequence.
import type { DeadLetter, NatsNames } from '@hookmesh/contracts';
import type { JetStreamManager } from '@hookmesh/messaging';
import { deadLetterOf } from '../domain/dead-letter';

export interface DeadLetterPage {
  deadLetters: DeadLetter[];
  /** The DEAD sequence the next page continues below; null on the last page. */
  nextCursor: string | null;
}

/**
 * Up to `limit` dead letters with a sequence below `beforeSeq` (all when absent), newest first. Reads by sequence
 * (JetStream keeps them in order and drops the oldest first), `limit` reads at a time, skipping gaps.
 */
export async function listDeadLetters(jsm: JetStreamManager, names: NatsNames, page: { limit: number; beforeSeq?: number }): Promise<DeadLetterPage> {
  const { state } = await jsm.streams.info(names.streams.dead);
  const deadLetters: DeadLetter[] = [];
  if (state.messages === 0) return { deadLetters, nextCursor: null };
  let next = Math.min(state.last_seq, (page.beforeSeq ?? Number.MAX_SAFE_INTEGER) - 1);
  while (deadLetters.length < page.limit && next >= state.first_seq) {
    const low = Math.max(state.first_seq, next - (page.limit - deadLetters.length) + 1);
    const seqs = Array.from({ length: next - low + 1 }, (_, index) => next - index);
    // A sequence removed meanwhile (age, size, or by hand) reads as nothing.
    const read = await Promise.all(seqs.map((seq) => jsm.streams.getMessage(names.streams.dead, { seq }).catch(() => null)));
    for (const stored of read) {
      const deadLetter = stored === null ? undefined : deadLetterOf(stored);
      if (deadLetter !== undefined) deadLetters.push(deadLetter);
    }
    next = low - 1;
  }
  return { deadLetters, nextCursor: next >= state.first_seq ? String(next + 1) : null };
}
