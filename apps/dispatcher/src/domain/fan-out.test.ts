import { DeliveryCreatedRecord, DeliveryTask, deliveryIdFor, deliveryTaskMsgId, eventTypes, type EventRecord } from '@hookmesh/contracts';
import { planFanOut } from './fan-out';

const event: EventRecord = {
  message_id: '01890a5d-ac96-774b-bcce-b302099a8057',
  account: 'masonhub',
  message_type: 'skuInventoryChange',
  api_version: '1.0',
  data: eventTypes.skuInventoryChange.example.data,
  ingested_at: '2024-05-01T12:00:00.000Z',
};
const now = new Date('2024-05-01T12:00:01.000Z');

describe('planFanOut', () => {
  it('plans one series-0, attempt-1 task per callback with a deterministic delivery id and fan-out msg id', () => {
    const plan = planFanOut({ event, callbacks: [{ id: 'cb-a' }, { id: 'cb-b' }], now, firstAttemptDelayMs: () => 0, traceId: 'trace-1' });
    expect(plan).toHaveLength(2);
    for (const [index, callbackId] of ['cb-a', 'cb-b'].entries()) {
      const planned = plan[index]!;
      expect(DeliveryTask.parse(planned.task)).toEqual(planned.task);
      expect(planned.task).toMatchObject({ delivery_id: deliveryIdFor(event.message_id, callbackId), series: 0, attempt: 1, callback_id: callbackId });
      expect(planned.task).not.toHaveProperty('not_before');
      expect(planned.task.event).toEqual({ message_id: event.message_id, message_type: 'skuInventoryChange', api_version: '1.0', data: event.data });
      expect(deliveryTaskMsgId(planned.task)).toBe(`${event.message_id}:${callbackId}`);
      expect(DeliveryCreatedRecord.parse(planned.created)).toMatchObject({ delivery_id: planned.task.delivery_id, created_at: now.toISOString(), trace_id: 'trace-1' });
    }
  });

  it('names every task the same when run again (what makes a re-run fan-out harmless)', () => {
    const first = planFanOut({ event, callbacks: [{ id: 'cb-a' }], now, firstAttemptDelayMs: () => 0, traceId: null });
    const again = planFanOut({ event, callbacks: [{ id: 'cb-a' }], now: new Date(now.getTime() + 60_000), firstAttemptDelayMs: () => 0, traceId: null });
    expect(deliveryTaskMsgId(again[0]!.task)).toBe(deliveryTaskMsgId(first[0]!.task));
    expect(again[0]!.task.delivery_id).toBe(first[0]!.task.delivery_id);
  });

  it('delays attempt 1 when the schedule does not start at 0', () => {
    const [planned] = planFanOut({ event, callbacks: [{ id: 'cb-a' }], now, firstAttemptDelayMs: () => 5_000, traceId: null });
    expect(planned!.task.not_before).toBe('2024-05-01T12:00:06.000Z');
  });

  it('delivers a /test event only to the callback it is addressed to', () => {
    const plan = planFanOut({ event: { ...event, target_callback_id: 'cb-b' }, callbacks: [{ id: 'cb-a' }, { id: 'cb-b' }], now, firstAttemptDelayMs: () => 0, traceId: null });
    expect(plan.map((planned) => planned.task.callback_id)).toEqual(['cb-b']);
  });

  it('plans nothing when no callback matches', () => {
    expect(planFanOut({ event, callbacks: [], now, firstAttemptDelayMs: () => 0, traceId: null })).toEqual([]);
  });

  it('delays each callback\'s first attempt by its own schedule\'s first entry', () => {
    const plan = planFanOut({ event, callbacks: [{ id: 'cb-a' }, { id: 'cb-b' }], now, firstAttemptDelayMs: (callback) => (callback.id === 'cb-b' ? 1_000 : 0), traceId: null });
    expect(plan.map((planned) => planned.task.not_before)).toEqual([undefined, new Date(now.getTime() + 1_000).toISOString()]);
  });
});
