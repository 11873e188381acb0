import type { JsMsg } from '@hookmesh/messaging';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { chunksOf, type MessageItems } from './batch-writer';

/** A message carrying `records` records; only its identity matters to chunksOf. */
function message(seq: number, records: number): MessageItems<number> {
  const msg = { seq } as unknown as JsMsg;
  return { msg, items: Array.from({ length: records }, (_, value) => ({ msg, value, parent: ROOT_CONTEXT })) };
}

const shape = (chunks: Array<Array<MessageItems<number>>>) => chunks.map((chunk) => chunk.map((m) => (m.msg as unknown as { seq: number }).seq));

describe('chunksOf', () => {
  it('fills each transaction up to the record limit, in message order', () => {
    expect(shape(chunksOf([message(1, 2), message(2, 2), message(3, 2), message(4, 1)], 4))).toEqual([[1, 2], [3, 4]]);
  });

  it('never splits a message, even one larger than the limit', () => {
    expect(shape(chunksOf([message(1, 1), message(2, 100), message(3, 1)], 10))).toEqual([[1], [2], [3]]);
  });

  it('gives nothing for nothing', () => {
    expect(chunksOf([], 10)).toEqual([]);
  });
});
