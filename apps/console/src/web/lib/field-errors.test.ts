import { describe, expect, it } from '@jest/globals';
import { ApiError } from '../api/problem';
import { formErrorsFrom, pathSegments } from './field-errors';

const invalid = (errors: Array<{ path: string; message: string }>) =>
  new ApiError({ title: 'Bad Request', status: 400, detail: 'The request body is invalid; see errors for each problem.', errors });

describe('pathSegments', () => {
  it('reads dotted paths and JSON Pointers alike, dropping the body and the item index', () => {
    expect(pathSegments('0.url')).toEqual(['url']);
    expect(pathSegments('url')).toEqual(['url']);
    expect(pathSegments('/0/url')).toEqual(['url']);
    expect(pathSegments('/body/0/rate_limit/per_second')).toEqual(['rate_limit', 'per_second']);
    expect(pathSegments('')).toEqual([]);
  });
});

describe('formErrorsFrom', () => {
  it('puts each issue at the field it names', () => {
    const errors = formErrorsFrom(
      invalid([
        { path: '0.url', message: 'url must not contain a username or password' },
        { path: '0.url', message: 'url must be https' },
        { path: '0.message_type', message: 'unknown message_type "x"' },
      ]),
      ['url', 'message_type', 'token'] as const,
    );
    expect(errors).toEqual({ fields: { url: 'url must not contain a username or password', message_type: 'unknown message_type "x"' }, general: [] });
  });

  it('keeps issues of fields the form does not have, and of the whole body, above the form', () => {
    const errors = formErrorsFrom(invalid([{ path: '0.api_version', message: 'api_version must be "1.0"' }, { path: '', message: 'send a JSON array' }]), ['url'] as const);
    expect(errors).toEqual({ fields: {}, general: ['api_version: api_version must be "1.0"', 'send a JSON array'] });
  });

  it('turns a problem without issues (a conflict, an outage) into its detail', () => {
    expect(formErrorsFrom(new ApiError({ title: 'Conflict', status: 409, detail: 'orderEvent is already held' }), ['message_type'] as const)).toEqual({
      fields: {},
      general: ['orderEvent is already held'],
    });
    expect(formErrorsFrom(new Error('boom'), ['url'] as const).general).toEqual(['boom']);
  });
});
