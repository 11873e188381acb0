import { orderingKeyToken, RateLimit, rateLimitBreach, rateWindowOf, resolveOrderingKey } from './delivery-controls';

describe('resolveOrderingKey', () => {
  const orderEvent = { ordering_key: '/0/order_id' };

  it("lets the producer's key beat the type's pointer", () => {
    expect(resolveOrderingKey('mine', [{ order_id: 'theirs' }], orderEvent)).toEqual({ kind: 'key', key: 'mine', from: 'event' });
  });

  it("reads the type's pointer, and leaves an event without a value there unordered", () => {
    expect(resolveOrderingKey(undefined, [{ order_id: '8f1316d5' }], orderEvent)).toEqual({ kind: 'key', key: '8f1316d5', from: 'type' });
    expect(resolveOrderingKey(undefined, [{ sku: 'x' }], orderEvent)).toEqual({ kind: 'none' });
    expect(resolveOrderingKey(undefined, [{ order_id: null }], orderEvent)).toEqual({ kind: 'none' });
    expect(resolveOrderingKey(undefined, { order_id: 'x' }, undefined)).toEqual({ kind: 'none' });
  });

  it('refuses a value at the pointer that is not a string key, naming where it is', () => {
    expect(resolveOrderingKey(undefined, [{ order_id: 42 }], orderEvent)).toMatchObject({ kind: 'invalid', path: 'data.0.order_id', message: expect.stringContaining('/0/order_id') });
    expect(resolveOrderingKey(undefined, [{ order_id: 'x'.repeat(129) }], orderEvent)).toMatchObject({ kind: 'invalid', message: expect.stringContaining('at most 128') });
  });
});

describe('rate limits', () => {
  it('takes per_second or per_minute, positive integers, one of them', () => {
    expect(RateLimit.parse({ per_second: 50 })).toEqual({ per_second: 50 });
    expect(RateLimit.parse({ per_minute: 600 })).toEqual({ per_minute: 600 });
    for (const bad of [{ per_second: 0 }, { per_second: 1.5 }, { per_second: 5, per_minute: 5 }, {}, { per_hour: 1 }]) expect(RateLimit.safeParse(bad).success).toBe(false);
  });

  it("is bounded by the installation's ceiling, per minute by 60 times it", () => {
    expect(rateLimitBreach({ per_second: 1000 }, 1000)).toBeNull();
    expect(rateLimitBreach({ per_second: 1001 }, 1000)).toMatch(/at most 1000/);
    expect(rateLimitBreach({ per_minute: 60_000 }, 1000)).toBeNull();
    expect(rateLimitBreach({ per_minute: 60_001 }, 1000)).toMatch(/at most 60000/);
  });

  it('counts in clock seconds or minutes', () => {
    expect(rateWindowOf({ per_second: 50 })).toEqual({ windowMs: 1000, allowed: 50 });
    expect(rateWindowOf({ per_minute: 90 })).toEqual({ windowMs: 60_000, allowed: 90 });
  });
});

describe('orderingKeyToken', () => {
  it('is a subject token, the same for the same key and different for others', () => {
    expect(orderingKeyToken('order 8f13/a.b')).toMatch(/^[0-9a-f]{24}$/);
    expect(orderingKeyToken('a')).toBe(orderingKeyToken('a'));
    expect(orderingKeyToken('a')).not.toBe(orderingKeyToken('b'));
  });
});
