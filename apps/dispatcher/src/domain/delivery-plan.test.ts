import { type EventTypeState, type ProfileState } from '@hookmesh/contracts';
import { createDeliveryPlanner } from './delivery-plan';

const installation = { naming: { headerPrefix: 'X-Acme', userAgent: 'Acme-Hooks/2' }, schedule: [0, 1_000, 60_000], timeScale: 1, timeoutMs: 20_000 };
const shop: ProfileState = {
  name: 'shop',
  version: 1,
  profile: { body: 'data', headers: {}, body_signature: { header: 'X-Sig', encoding: 'hex' }, standard_webhooks: false, secret_format: 'plain', signing: 'required', user_agent: 'Shop/1', retry_schedule: '0,5s', timeout_ms: 15_000 },
  created_at: '2026-12-01T00:00:00.000Z',
  updated_at: '2026-12-01T00:00:00.000Z',
};
const view = { profile: (name: string) => (name === 'shop' ? shop : undefined), eventType: (): EventTypeState | undefined => undefined };

describe('createDeliveryPlanner', () => {
  it('names the standard profile\'s headers as the installation does', () => {
    const plan = createDeliveryPlanner(installation, view).planOf({ profile: 'standard' });
    expect(plan?.profile.headers.event).toBe('X-Acme-Event');
    expect(plan?.profile.user_agent).toBe('Acme-Hooks/2');
    expect(plan?.schedule).toEqual([0, 1_000, 60_000]);
    expect(plan?.timeoutMs).toBe(20_000);
  });

  it('takes the callback\'s schedule and timeout first, then its profile\'s, and never a timeout past the installation\'s', () => {
    const planner = createDeliveryPlanner(installation, view);
    expect(planner.planOf({ profile: 'shop' })).toMatchObject({ schedule: [0, 5_000], timeoutMs: 15_000 });
    expect(planner.planOf({ profile: 'shop', retry_schedule: '0,1m,2m', timeout_ms: 3_000 })).toMatchObject({ schedule: [0, 60_000, 120_000], timeoutMs: 3_000 });
    expect(planner.planOf({ profile: 'masonhub', timeout_ms: 90_000 })?.timeoutMs).toBe(20_000);
    expect(planner.planOf({ profile: 'moduslink' })?.schedule).toEqual([0, 300_000, 300_000, 300_000, 300_000, 300_000]);
  });

  it('scales every schedule by HOOKMESH_RETRY_TIME_SCALE', () => {
    const planner = createDeliveryPlanner({ ...installation, timeScale: 0.001 }, view);
    expect(planner.planOf({ profile: 'moduslink' })?.schedule).toEqual([0, 300, 300, 300, 300, 300]);
    expect(planner.planOf({ profile: 'standard' })?.schedule).toEqual([0, 1, 60]);
  });

  it('has no plan for a profile it does not know', () => {
    expect(createDeliveryPlanner(installation, view).planOf({ profile: 'gone' })).toBeUndefined();
  });

  it('maps built-in types to their thin reference', () => {
    expect(createDeliveryPlanner(installation, view).thinOf('orderEvent')).toEqual({ object_name: 'orders', object_id: '/0/order_id', object_reference: '/0/customer_identifier' });
  });
});
