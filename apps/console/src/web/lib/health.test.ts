import { healthExplanation, healthLabel } from './health';

const detail = { failing_since: '2026-12-01T10:00:00.000Z', consecutive_failures: 6, last_status_code: 503, last_error: null };

describe('callback health in words', () => {
  it('labels every state, and a dash while the service does not know it', () => {
    expect(healthLabel({ health: 'circuit_open' })).toBe('Circuit open');
    expect(healthLabel({ health: 'healthy' })).toBe('Healthy');
    expect(healthLabel({})).toBe('—');
  });

  it('explains an open circuit with the failures, the last answer and when the next attempt goes', () => {
    const text = healthExplanation({ health: 'circuit_open', health_detail: { ...detail, circuit_closes_at: '2026-12-01T10:06:00.000Z' } });
    expect(text).toMatch(/^6 failed attempts in a row since .+, last answer 503\. Deliveries wait; the next attempt goes at .+\.$/);
  });

  it('names a transport error when there was no answer, and why a callback is disabled', () => {
    expect(healthExplanation({ health: 'failing', health_detail: { ...detail, consecutive_failures: 1, last_status_code: null, last_error: 'ECONNREFUSED' } })).toMatch(
      /^1 failed attempt in a row since .+, last error: ECONNREFUSED\.$/,
    );
    expect(healthExplanation({ health: 'disabled', disabled_reason: '410 Gone' })).toBe('Disabled: 410 Gone.');
    expect(healthExplanation({ health: 'healthy' })).toBe('');
  });
});
