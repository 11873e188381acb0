import { describe, expect, it } from '@jest/globals';
import { unstorableTextIssues } from './unstorable-text-issues';

describe('unstorableTextIssues', () => {
  it('names the path below data of a single event', () => {
    expect(unstorableTextIssues({ message_type: 'orderEvent', data: [{ order_id: 'a\u0000' }] }).map((issue) => issue.path)).toEqual(['data.0.order_id']);
  });

  it('starts each path with the index of the event in a batch', () => {
    const batch = [{ data: ['ok'] }, { data: { 'k\u0000': 1 } }, 'not an event', { data: 'x\u0000' }];
    expect(unstorableTextIssues(batch).map((issue) => issue.path)).toEqual(['1.data.k\u0000', '3.data']);
  });

  it('looks only at data: other fields have their own rules', () => {
    expect(unstorableTextIssues({ message_type: 'x\u0000', data: [], idempotency_key: '\u0000' })).toEqual([]);
  });

  it('gives each issue the nul_character code and a message naming NUL', () => {
    expect(unstorableTextIssues({ data: '\u0000' })).toEqual([{ path: 'data', code: 'nul_character', message: expect.stringContaining('NUL character') }]);
  });

  it('names an unpaired surrogate in a string or a key of data, and lets a whole pair through', () => {
    const issues = unstorableTextIssues([{ data: { ok: '\u{1F600}', lone: 'a\ud800b', ['k\udc00']: 1, tail: 'x\ud83d' } }]);
    expect(issues.map((issue) => `${issue.path} ${issue.code}`)).toEqual(['0.data.lone unpaired_surrogate', '0.data.k\udc00 unpaired_surrogate', '0.data.tail unpaired_surrogate']);
    expect(issues[0]?.message).toContain('unpaired surrogate');
  });
});
