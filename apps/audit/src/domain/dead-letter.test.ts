import { DEAD_LETTER_EXCERPT_MAX, DEAD_LETTER_HEADERS } from '@hookmesh/contracts';
import { deadLetterOf, type StoredDeadLetter } from './dead-letter';

function stored(headers: Record<string, string>, body: string | Uint8Array): StoredDeadLetter {
  return {
    seq: 7,
    time: new Date('2026-06-01T00:00:01.000Z'),
    data: typeof body === 'string' ? new TextEncoder().encode(body) : body,
    header: { get: (name) => headers[name] ?? '' },
  };
}

const headers = {
  [DEAD_LETTER_HEADERS.source]: 'deliveries',
  [DEAD_LETTER_HEADERS.subject]: 'hookmesh.deliveries.acme.cb-1',
  [DEAD_LETTER_HEADERS.sequence]: '42',
  [DEAD_LETTER_HEADERS.consumer]: 'dispatcher-delivery',
  [DEAD_LETTER_HEADERS.reason]: 'breaks_contract',
  [DEAD_LETTER_HEADERS.problem]: 'delivery_id: Invalid UUID',
  [DEAD_LETTER_HEADERS.at]: '2026-06-01T00:00:00.000Z',
};

describe('deadLetterOf', () => {
  it('reads where a dead letter came from, why, and its body', () => {
    expect(deadLetterOf(stored(headers, '{"delivery_id":"x"}'))).toEqual({
      seq: 7,
      dead_at: '2026-06-01T00:00:00.000Z',
      stream: 'deliveries',
      subject: 'hookmesh.deliveries.acme.cb-1',
      stream_seq: 42,
      consumer: 'dispatcher-delivery',
      reason: 'breaks_contract',
      problem: 'delivery_id: Invalid UUID',
      payload_bytes: 19,
      payload_excerpt: '{"delivery_id":"x"}',
      payload_truncated: false,
    });
  });

  it('names the dropped entry of a batch, and says when the body was cut on DEAD or for the excerpt', () => {
    const cut = deadLetterOf(stored({ ...headers, [DEAD_LETTER_HEADERS.entry]: '3', [DEAD_LETTER_HEADERS.originalBytes]: '2000000' }, 'x'.repeat(DEAD_LETTER_EXCERPT_MAX + 10)));
    expect(cut).toMatchObject({ entry: 3, payload_bytes: 2_000_000, payload_truncated: true });
    expect(cut?.payload_excerpt).toHaveLength(DEAD_LETTER_EXCERPT_MAX);
  });

  it('shows a body that is not UTF-8 with replacement characters rather than failing', () => {
    expect(deadLetterOf(stored({ ...headers, [DEAD_LETTER_HEADERS.reason]: 'not_json' }, new Uint8Array([0xff, 0x41])))?.payload_excerpt).toBe('\uFFFDA');
  });

  it('ignores a message on DEAD that no consumer wrote', () => {
    expect(deadLetterOf(stored({}, 'hello'))).toBeUndefined();
    expect(deadLetterOf(stored({ ...headers, [DEAD_LETTER_HEADERS.reason]: 'bored' }, 'hello'))).toBeUndefined();
  });
});
