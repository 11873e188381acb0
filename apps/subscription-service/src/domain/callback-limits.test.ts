import { callbackLimitBreach, type CallbackCounts } from './callback-limits';

const limits = { perAccount: 5, perMessageType: 3 };
const counts = (total: number, byType: Record<string, number> = {}): CallbackCounts => ({ total, byMessageType: new Map(Object.entries(byType)) });
const of = (...types: string[]) => types.map((message_type) => ({ message_type }));

describe('callbackLimitBreach', () => {
  it('lets a request through that stays within both limits, up to each limit exactly', () => {
    expect(callbackLimitBreach(counts(2, { orderEvent: 2 }), of('orderEvent', 'rmaEvent', 'rmaEvent'), limits)).toBeUndefined();
  });

  it('names the per-account limit, what exists and what the request adds', () => {
    expect(callbackLimitBreach(counts(4, { orderEvent: 1 }), of('rmaEvent', 'qualityEvent'), limits)).toEqual({
      limit: { name: 'callbacks_per_account', max: 5, current: 4, requested: 2 },
      detail: expect.stringContaining('HOOKMESH_MAX_CALLBACKS_PER_ACCOUNT'),
    });
  });

  it('names the per-type limit and the type it breaks, counting only that type', () => {
    expect(callbackLimitBreach(counts(3, { orderEvent: 2, rmaEvent: 1 }), of('rmaEvent', 'orderEvent', 'orderEvent'), { perAccount: 10, perMessageType: 3 })).toEqual({
      limit: { name: 'callbacks_per_message_type', max: 3, current: 2, requested: 2, message_type: 'orderEvent' },
      detail: expect.stringContaining('HOOKMESH_MAX_CALLBACKS_PER_MESSAGE_TYPE'),
    });
  });

  it('refuses one request alone past a limit, even for a new account', () => {
    expect(callbackLimitBreach(counts(0), of('orderEvent', 'orderEvent', 'orderEvent', 'orderEvent'), limits)?.limit.name).toBe('callbacks_per_message_type');
  });
});
