import pino from 'pino';
import { z } from 'zod';
import { decodeMessage, terminateMessage } from './decode';
import type { JsMsg } from '@nats-io/jetstream';

const Shape = z.object({ id: z.string(), n: z.number() });
const message = (text: string) => ({ json: <T>() => JSON.parse(text) as T });

describe('decodeMessage', () => {
  it('returns the parsed value of a valid body', () => {
    expect(decodeMessage(Shape, message('{"id":"a","n":1}'))).toEqual({ ok: true, value: { id: 'a', n: 1 } });
  });

  it('names paths but not values for a body that does not fit, and says when it is not JSON', () => {
    const decoded = decodeMessage(Shape, message('{"id":"secret-value","n":"x"}'));
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.problem).toMatch(/^n: /);
    expect(!decoded.ok && decoded.problem).not.toContain('secret-value');
    expect(decodeMessage(Shape, message('{not json'))).toEqual({ ok: false, reason: 'not_json', problem: 'body is not JSON' });
  });
});

describe('terminateMessage', () => {
  it('terminates with a bare term() so nats-server 2.9 does not redeliver', () => {
    const term = jest.fn();
    terminateMessage({ subject: 's', seq: 1, term } as unknown as JsMsg, pino({ level: 'silent' }), 'dropping', 'n: bad');
    expect(term).toHaveBeenCalledWith();
  });
});
