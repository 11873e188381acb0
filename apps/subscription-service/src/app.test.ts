import { isDataException, isDatabaseUnavailable } from './app';

describe('isDatabaseUnavailable', () => {
  it('recognises an unreachable or restarting Postgres', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('connection failure'), { code: '08006' }))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })]))).toBe(true);
  });

  it('leaves bugs and constraint violations to the 500 path', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
  });
});

describe('isDataException', () => {
  it('recognises a value Postgres cannot store (NUL in text, bad uuid syntax) as the client\'s fault', () => {
    expect(isDataException(Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' }))).toBe(true);
    expect(isDataException(Object.assign(new Error('invalid input syntax for type uuid'), { code: '22P02' }))).toBe(true);
  });

  it('leaves integrity violations, outages and bugs alone', () => {
    expect(isDataException(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isDataException(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isDataException(new TypeError('x is undefined'))).toBe(false);
  });
});
