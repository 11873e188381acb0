import type { CircuitRecord } from '@hookmesh/contracts';
import { afterFailure, circuitAdmission, withProbe } from './circuit';

const settings = { threshold: 3, cooldownMs: 60_000, disableAfterMs: 3_600_000 };
const callback = { account: 'acme', callbackId: 'cb-1' };
const t0 = Date.parse('2026-12-01T12:00:00.000Z');
const fail = (previous: CircuitRecord | undefined, at: number) => afterFailure(previous, callback, { statusCode: 503, error: 'HTTP 503' }, at, settings);

describe('circuit', () => {
  it('counts failures and opens at the threshold, once', () => {
    const one = fail(undefined, t0);
    expect(one).toMatchObject({ opened: false, disable: false, record: { consecutive_failures: 1, failing_since: new Date(t0).toISOString(), closes_at: null } });
    const two = fail(one.record, t0 + 1);
    const three = fail(two.record, t0 + 2);
    expect(three.opened).toBe(true);
    expect(three.record.closes_at).toBe(new Date(t0 + 2 + 60_000).toISOString());
    expect(fail(three.record, t0 + 3).opened).toBe(false);
  });

  it('admits while closed, refuses until the cool-down ends, then offers one probe', () => {
    const open = fail(fail(fail(undefined, t0).record, t0).record, t0).record;
    expect(circuitAdmission(undefined, t0, settings)).toEqual({ kind: 'closed' });
    expect(circuitAdmission(open, t0 + 1_000, settings)).toEqual({ kind: 'open', retryInMs: 59_000 });
    expect(circuitAdmission(open, t0 + 60_000, settings)).toEqual({ kind: 'probe' });
    const probing = withProbe(open, t0 + 60_000);
    expect(circuitAdmission(probing, t0 + 60_500, settings)).toMatchObject({ kind: 'open' });
    // A probe that never reports back gives way after another cool-down.
    expect(circuitAdmission(probing, t0 + 120_001, settings)).toEqual({ kind: 'probe' });
  });

  it('asks for a disable once the unbroken failure has lasted long enough', () => {
    const first = fail(undefined, t0);
    expect(fail(first.record, t0 + 3_599_999).disable).toBe(false);
    expect(fail(first.record, t0 + 3_600_000).disable).toBe(true);
  });

  it('keeps the last status code and error, cut to 500 characters', () => {
    const record = afterFailure(undefined, callback, { statusCode: null, error: 'x'.repeat(900) }, t0, settings).record;
    expect(record.last_error).toHaveLength(500);
    expect(record.last_status_code).toBeNull();
  });
});
