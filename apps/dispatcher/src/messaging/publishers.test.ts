import { context, createContextKey, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { NOT_BEFORE_HEADER } from '@hookmesh/contracts';
import { createTurnBatcher, notBeforeHeaders } from './publishers';

const KEY = createContextKey('caller');

describe('createTurnBatcher', () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => context.setGlobalContextManager(manager.enable()));
  afterAll(() => {
    manager.disable();
    context.disable();
  });

  it('starts the publishes of one turn together after it, each in its caller’s trace context, and settles each on its own', async () => {
    const inThisTurn = createTurnBatcher();
    const started: string[] = [];
    const start = (name: string, fail = false) => () => {
      started.push(`${name}:${String(context.active().getValue(KEY))}`);
      return fail ? Promise.reject(new Error(name)) : Promise.resolve(name);
    };
    const inContext = (value: string, run: () => Promise<string>) => context.with(context.active().setValue(KEY, value) as Context, run);

    const first = inContext('a', () => inThisTurn(start('one')));
    const second = inContext('b', () => inThisTurn(start('two', true)));
    const third = inThisTurn(() => {
      throw new Error('synchronous');
    });
    expect(started).toEqual([]);

    await expect(first).resolves.toBe('one');
    await expect(second).rejects.toThrow('two');
    await expect(third).rejects.toThrow('synchronous');
    expect(started).toEqual(['one:a', 'two:b']);
  });
});

describe('notBeforeHeaders', () => {
  it("carries a waiting task's not_before as epoch milliseconds, and nothing for a task without one", () => {
    expect(notBeforeHeaders({ not_before: '2026-12-03T10:00:05.250Z' })?.get(NOT_BEFORE_HEADER)).toBe(String(Date.parse('2026-12-03T10:00:05.250Z')));
    expect(notBeforeHeaders({ not_before: undefined })).toBeUndefined();
    expect(notBeforeHeaders({ not_before: 'not a time' })).toBeUndefined();
  });
});
