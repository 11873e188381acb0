import { describe, expect, it } from '@jest/globals';
import { isDataError, isInputDataException, isPostgresUnavailable } from './postgres-errors';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('postgres error classes', () => {
  it('treats data exceptions and integrity violations as unstorable rows', () => {
    expect(isDataError(pgError('22P05', 'unsupported Unicode escape sequence'))).toBe(true);
    expect(isDataError(pgError('23502'))).toBe(true);
    expect(isDataError(pgError('08006'))).toBe(false);
    expect(isDataError(new Error('Connection terminated unexpectedly'))).toBe(false);
  });

  it('tells a value the client sent that Postgres cannot take (class 22) from integrity violations and outages', () => {
    expect(isInputDataException(pgError('22021', 'invalid byte sequence for encoding "UTF8": 0x00'))).toBe(true);
    expect(isInputDataException(pgError('22P02', 'invalid input syntax for type uuid'))).toBe(true);
    expect(isInputDataException(pgError('23505'))).toBe(false);
    expect(isInputDataException(pgError('ECONNREFUSED'))).toBe(false);
    expect(isInputDataException(new TypeError('x'))).toBe(false);
  });

  it('recognises an unreachable or refusing server', () => {
    expect(isPostgresUnavailable(pgError('ECONNREFUSED'))).toBe(true);
    expect(isPostgresUnavailable(pgError('57P01'))).toBe(true);
    expect(isPostgresUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isPostgresUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isPostgresUnavailable(pgError('08006', 'connection failure'))).toBe(true);
    expect(isPostgresUnavailable(pgError('53300', 'too many connections'))).toBe(true);
    expect(isPostgresUnavailable(new AggregateError([pgError('ECONNREFUSED', 'refused')]))).toBe(true);
    expect(isPostgresUnavailable(pgError('42P01', 'relation does not exist'))).toBe(false);
  });

  it('leaves bugs and constraint violations to the 500 path', () => {
    expect(isPostgresUnavailable(pgError('23505', 'duplicate key'))).toBe(false);
    expect(isPostgresUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isPostgresUnavailable('ECONNREFUSED')).toBe(false);
    expect(isPostgresUnavailable(null)).toBe(false);
  });
});
