import { errorClassOfStatus, settleAttempt, type AttemptResult } from './settlement';

const schedule = [0, 1_000, 10_000];
const settle = (result: AttemptResult, attempt: number, retryAfterMaxMs = 10_000) =>
  settleAttempt({ result, attempt, schedule, retryAfterMaxMs, random: () => 0.5 });

describe('settleAttempt', () => {
  it('delivers on any 2xx', () => {
    expect(settle({ kind: 'response', status: 200 }, 1)).toEqual({ outcome: 'delivered' });
    expect(settle({ kind: 'response', status: 204 }, 3)).toEqual({ outcome: 'delivered' });
  });

  it('retries a 500 on the schedule', () => {
    expect(settle({ kind: 'response', status: 500 }, 1)).toEqual({ outcome: 'retrying', delayMs: 1_000 });
    expect(settle({ kind: 'response', status: 500 }, 2)).toEqual({ outcome: 'retrying', delayMs: 10_000 });
  });

  it('fails after the last attempt', () => {
    expect(settle({ kind: 'response', status: 500 }, 3)).toEqual({ outcome: 'failed', disableCallback: false });
    expect(settle({ kind: 'error', errorClass: 'timeout' }, 3)).toEqual({ outcome: 'failed', disableCallback: false });
  });

  it('fails at once and disables the callback on 410 Gone', () => {
    expect(settle({ kind: 'response', status: 410 }, 1)).toEqual({ outcome: 'failed', disableCallback: true });
  });

  it('retries redirects, timeouts, resets, DNS failures and refused egress like a 5xx', () => {
    expect(settle({ kind: 'response', status: 302 }, 1)).toEqual({ outcome: 'retrying', delayMs: 1_000 });
    for (const errorClass of ['timeout', 'reset', 'dns', 'connect', 'ssrf_blocked', 'tls'] as const) {
      expect(settle({ kind: 'error', errorClass }, 1)).toEqual({ outcome: 'retrying', delayMs: 1_000 });
    }
  });

  it('retries a 429 after Retry-After seconds, within the cap', () => {
    expect(settle({ kind: 'response', status: 429, retryAfterMs: 5_000 }, 1)).toEqual({ outcome: 'retrying', delayMs: 5_000 });
    expect(settle({ kind: 'response', status: 503, retryAfterMs: 999_000 }, 1)).toEqual({ outcome: 'retrying', delayMs: 10_000 });
  });

  it('ignores Retry-After on statuses other than 429 and 503', () => {
    expect(settle({ kind: 'response', status: 500, retryAfterMs: 5_000 }, 1)).toEqual({ outcome: 'retrying', delayMs: 1_000 });
  });

  it('does not let Retry-After add attempts beyond the schedule', () => {
    expect(settle({ kind: 'response', status: 429, retryAfterMs: 5_000 }, 3)).toEqual({ outcome: 'failed', disableCallback: false });
  });
});

describe('errorClassOfStatus', () => {
  it('names 3xx a redirect and other failures http_status', () => {
    expect(errorClassOfStatus(301)).toBe('redirect');
    expect(errorClassOfStatus(308)).toBe('redirect');
    expect(errorClassOfStatus(404)).toBe('http_status');
    expect(errorClassOfStatus(503)).toBe('http_status');
  });
});
