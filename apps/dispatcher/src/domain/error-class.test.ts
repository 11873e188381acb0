import { DnsResolutionError, EgressBlockedError } from '@hookmesh/egress';
import { classifyRequestError } from './error-class';

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('classifyRequestError', () => {
  it('names refused egress and DNS failures from the egress guard', () => {
    expect(classifyRequestError(new EgressBlockedError('rebind.test', '127.0.0.1', 'loopback'))).toBe('ssrf_blocked');
    expect(classifyRequestError(new DnsResolutionError('nx.test', withCode('ENOTFOUND')))).toBe('dns');
  });

  it('names socket-level failures by their code', () => {
    expect(classifyRequestError(withCode('ECONNREFUSED'))).toBe('connect');
    expect(classifyRequestError(withCode('ECONNRESET'))).toBe('reset');
    expect(classifyRequestError(withCode('UND_ERR_SOCKET'))).toBe('reset');
    expect(classifyRequestError(withCode('UND_ERR_CONNECT_TIMEOUT'))).toBe('timeout');
    expect(classifyRequestError(withCode('ENOTFOUND'))).toBe('dns');
    expect(classifyRequestError(withCode('DEPTH_ZERO_SELF_SIGNED_CERT'))).toBe('tls');
    expect(classifyRequestError(withCode('ERR_TLS_CERT_ALTNAME_INVALID'))).toBe('tls');
  });

  it('looks through cause chains', () => {
    expect(classifyRequestError(new Error('fetch failed', { cause: withCode('ECONNREFUSED') }))).toBe('connect');
  });

  it('falls back to other', () => {
    expect(classifyRequestError(new Error('strange'))).toBe('other');
    expect(classifyRequestError('not an error')).toBe('other');
  });
});
