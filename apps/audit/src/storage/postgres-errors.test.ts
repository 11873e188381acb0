import { describe, expect, it } from '@jest/globals';
import { isDataError, isPostgresUnavailable } from './postgres-errors';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('postgres error classes', () => {
  it('treats data exceptions and integrity violations as unstorable rows', () => {
    expect(isDataError(pgError('22P05', 'unsupported Unicode escape sequence'))).toBe(true);
    expect(isDataError(pgError('23502'))).toBe(true);
    expect(isDataError(pgError('08006'))).toBe(false);
    expect(isDataError(new Error('Connection terminated unexpectedly'))).toBe(false);
  });

  it('recognises an unreachable or refusing server', () => {
    expect(isPostgresUnavailable(pgError('ECONNREFUSED'))).toBe(true);
    expect(isPostgresUnavailable(pgError('57P01'))).toBe(true);
    expect(isPostgresUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isPostgresUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isPostgresUnavailable(pgError('42P01', 'relation does not exist'))).toBe(false);
  });
});
