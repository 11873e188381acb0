import { callbackHealth, disabledReasonOf } from './health';
import type { CircuitRecord } from './messages';

const failing: CircuitRecord = {
  account: 'masonhub',
  callback_id: 'cb-1',
  consecutive_failures: 3,
  failing_since: '2026-12-01T10:00:00.000Z',
  opened_at: null,
  closes_at: null,
  probe_started_at: null,
  last_status_code: 503,
  last_error: null,
  updated_at: '2026-12-01T10:02:00.000Z',
};

describe('callbackHealth', () => {
  it('is healthy without a failure record, and disabled whatever the record says', () => {
    expect(callbackHealth('active', undefined)).toEqual({ health: 'healthy' });
    expect(callbackHealth('disabled', failing)).toEqual({ health: 'disabled' });
  });

  it('is failing with a record of a closed circuit, naming since when and the last answer', () => {
    expect(callbackHealth('active', failing)).toEqual({
      health: 'failing',
      health_detail: { failing_since: '2026-12-01T10:00:00.000Z', consecutive_failures: 3, last_status_code: 503, last_error: null },
    });
  });

  it('is circuit_open, with when it closes, from opening until a delivered attempt closes it (half-open included)', () => {
    const open = { ...failing, consecutive_failures: 5, opened_at: '2026-12-01T10:05:00.000Z', closes_at: '2026-12-01T10:06:00.000Z' };
    expect(callbackHealth('active', open)).toEqual({
      health: 'circuit_open',
      health_detail: { failing_since: '2026-12-01T10:00:00.000Z', circuit_closes_at: '2026-12-01T10:06:00.000Z', consecutive_failures: 5, last_status_code: 503, last_error: null },
    });
    expect(callbackHealth('active', { ...open, probe_started_at: '2026-12-01T10:06:00.000Z' }).health).toBe('circuit_open');
  });
});

describe('disabledReasonOf', () => {
  it('names a 410, an unbroken failure with its start, and an operator', () => {
    expect(disabledReasonOf('gone')).toBe('410 Gone');
    expect(disabledReasonOf('failing', '2026-11-26T09:00:00.000Z')).toBe('failing since 2026-11-26T09:00:00.000Z');
    expect(disabledReasonOf('failing')).toBe('failing');
    expect(disabledReasonOf('operator')).toBe('operator');
  });
});
