import { generateSecret, parseSecretsKey, sealSecret, type CircuitRecord, type Sealed } from '@hookmesh/contracts';
import { randomBytes } from 'node:crypto';
import type { CallbackRow } from '../storage/callbacks.table';
import { MAX_LIVE_SECRETS, callbackResponse, callbackState, rotateSecrets, type CircuitView } from './callbacks';

const [key] = parseSecretsKey(randomBytes(32).toString('base64'));
const sealed = (): Sealed => sealSecret(generateSecret(), key!);
const now = new Date('2026-01-10T12:00:00.000Z');

function row(overrides: Partial<CallbackRow> = {}): CallbackRow {
  return {
    id: '0191d7a0-0000-7000-8000-000000000001',
    account: 'acme',
    url: 'https://api.clienturl.com/webhook',
    message_type: 'orderEvent',
    api_version: '1.0',
    status: 'active',
    token: null,
    secrets: [{ secret: sealed() }],
    timeout_ms: null,
    profile: 'standard',
    signed: true,
    retry_schedule: null,
    disabled_reason: null,
    ordered: false,
    ordered_from_seq: null,
    rate_limit: null,
    message_types: null,
    created_at: new Date('2026-01-01T00:00:00.000Z'),
    updated_at: new Date('2026-01-02T00:00:00.000Z'),
    ...overrides,
  };
}

describe('rotateSecrets', () => {
  it('puts the new secret first and lets the previous one sign until the overlap ends', () => {
    const [current] = row().secrets;
    const fresh = { secret: sealed(), format: 'whsec' as const };
    const rotated = rotateSecrets([current!], fresh, now, 3_600);
    expect(rotated.previousExpiresAt).toBe('2026-01-10T13:00:00.000Z');
    expect(rotated.secrets).toEqual([fresh, { secret: current!.secret, expires_at: '2026-01-10T13:00:00.000Z' }]);
  });

  it('drops the previous secret at once for an overlap of 0', () => {
    const fresh = { secret: sealed() };
    expect(rotateSecrets(row().secrets, fresh, now, 0)).toEqual({ secrets: [fresh], previousExpiresAt: null });
  });

  it('keeps older secrets still in their overlap with their own end, and drops expired ones', () => {
    const stillSigning = { secret: sealed(), expires_at: '2026-01-10T18:00:00.000Z' };
    const expired = { secret: sealed(), expires_at: '2026-01-10T11:59:59.000Z' };
    const current = { secret: sealed() };
    const fresh = { secret: sealed() };
    const rotated = rotateSecrets([current, stillSigning, expired], fresh, now, 60);
    expect(rotated.secrets).toEqual([fresh, { secret: current.secret, expires_at: '2026-01-10T12:01:00.000Z' }, stillSigning]);
  });

  it(`never keeps more than ${MAX_LIVE_SECRETS} secrets signing at once`, () => {
    let secrets = row().secrets;
    for (let n = 0; n < 10; n += 1) secrets = rotateSecrets(secrets, { secret: sealed() }, now, 86_400).secrets;
    expect(secrets).toHaveLength(MAX_LIVE_SECRETS);
    expect(secrets.filter((entry) => entry.expires_at === undefined)).toHaveLength(1);
  });
});

describe('callbackState', () => {
  it('carries the sealed token and only the secrets that still sign', () => {
    const token = sealed();
    const current = { secret: sealed() };
    const state = callbackState(
      row({ token, timeout_ms: 5_000, secrets: [current, { secret: sealed(), expires_at: '2026-01-10T11:00:00.000Z' }] }),
      now,
    );
    expect(state).toEqual({
      id: '0191d7a0-0000-7000-8000-000000000001',
      account: 'acme',
      url: 'https://api.clienturl.com/webhook',
      message_type: 'orderEvent',
      api_version: '1.0',
      status: 'active',
      token,
      secrets: [current],
      timeout_ms: 5_000,
      profile: 'standard',
      signed: true,
      updated_at: '2026-01-02T00:00:00.000Z',
    });
  });

  it('carries the profile, the signing choice and the callback\'s own schedule', () => {
    expect(callbackState(row({ profile: 'malomo', signed: false, retry_schedule: '0,1m' }), now)).toMatchObject({ profile: 'malomo', signed: false, retry_schedule: '0,1m' });
  });

  it('omits token and timeout when the callback has none', () => {
    const state = callbackState(row(), now);
    expect(state).not.toHaveProperty('token');
    expect(state).not.toHaveProperty('timeout_ms');
  });
});

describe('callbackResponse', () => {
  it('shows neither the token nor any secret', () => {
    const response = callbackResponse(row({ token: sealed() }));
    expect(Object.keys(response).sort()).toEqual(['api_version', 'created_at', 'disabled_reason', 'id', 'message_type', 'ordered', 'profile', 'rate_limit', 'signed', 'status', 'timeout_ms', 'updated_at', 'url']);
  });

  const failing: CircuitRecord = {
    account: 'acme',
    callback_id: '0191d7a0-0000-7000-8000-000000000001',
    consecutive_failures: 6,
    failing_since: '2026-01-10T11:00:00.000Z',
    opened_at: '2026-01-10T11:30:00.000Z',
    closes_at: '2026-01-10T12:01:00.000Z',
    probe_started_at: null,
    last_status_code: 500,
    last_error: null,
    updated_at: '2026-01-10T11:30:00.000Z',
  };
  const view = (loaded: boolean, records: CircuitRecord[] = []): CircuitView => ({
    loaded: () => loaded,
    recordOf: (account, id) => records.find((record) => record.account === account && record.callback_id === id),
  });

  it("says a callback's health from its circuit record once the records are read, and nothing before", () => {
    expect(callbackResponse(row(), view(true)).health).toBe('healthy');
    expect(callbackResponse(row(), view(true, [failing]))).toMatchObject({
      health: 'circuit_open',
      health_detail: { failing_since: '2026-01-10T11:00:00.000Z', circuit_closes_at: '2026-01-10T12:01:00.000Z', consecutive_failures: 6, last_status_code: 500 },
    });
    expect(callbackResponse(row(), view(false, [failing]))).not.toHaveProperty('health');
    expect(callbackResponse(row(), undefined)).not.toHaveProperty('health');
  });

  it('says disabled, with the reason, whatever the circuit says', () => {
    const disabled = callbackResponse(row({ status: 'disabled', disabled_reason: '410 Gone' }), view(false, [failing]));
    expect(disabled).toMatchObject({ status: 'disabled', health: 'disabled', disabled_reason: '410 Gone' });
    expect(disabled).not.toHaveProperty('health_detail');
  });
});
