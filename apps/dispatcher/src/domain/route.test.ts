import type { CallbackState, HoldState } from '@hookmesh/contracts';
import { routeTask } from './route';

const now = new Date('2026-12-01T12:00:00.000Z');
const callback = { id: 'cb-1', url: 'https://hooks.example.com/x', status: 'active' } as CallbackState;
const facts = { callback, disabledHere: false, hold: undefined, now, holdRecheckMs: 2_000 };

describe('routeTask', () => {
  it('sends a due task of an active callback on to an attempt', () => {
    expect(routeTask({}, facts)).toEqual({ kind: 'attempt', callback });
    expect(routeTask({ not_before: '2026-12-01T11:59:00.000Z' }, facts)).toEqual({ kind: 'attempt', callback });
  });

  it('lets a task that is not due wait the rest of its delay', () => {
    expect(routeTask({ not_before: '2026-12-01T12:00:05.000Z' }, facts)).toEqual({ kind: 'not_due', delayMs: 5_000 });
  });

  it('settles without an attempt for a deleted or disabled callback', () => {
    expect(routeTask({}, { ...facts, callback: undefined })).toEqual({ kind: 'unattempted', url: '', reason: 'callback deleted; not attempted' });
    expect(routeTask({}, { ...facts, callback: { ...callback, status: 'disabled' } })).toMatchObject({ kind: 'unattempted', reason: 'callback disabled; not attempted' });
    expect(routeTask({}, { ...facts, disabledHere: true })).toMatchObject({ kind: 'unattempted' });
  });

  it('holds a held type, looking again by the recheck interval or when the hold expires', () => {
    const hold = { expires_at: '2026-12-01T12:00:00.500Z' } as HoldState;
    expect(routeTask({}, { ...facts, hold })).toEqual({ kind: 'held', delayMs: 500 });
    expect(routeTask({}, { ...facts, hold: { expires_at: null } as HoldState })).toEqual({ kind: 'held', delayMs: 2_000 });
  });
});
