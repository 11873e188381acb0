import { describe, expect, it } from '@jest/globals';
import { InvalidNatsNameError, messageTypeOfToken, messageTypeToken, natsNames } from './nats';

describe('natsNames', () => {
  it('uses the bare names without a prefix', () => {
    const names = natsNames();
    expect(names.streams).toEqual({ events: 'EVENTS', deliveries: 'DELIVERIES', waiting: 'WAITING', ordered: 'ORDERED', audit: 'AUDIT', control: 'CONTROL', dead: 'DEAD' });
    expect(names.subjects.events).toBe('hookmesh.events.>');
    expect(names.eventSubject('acme', 'orderEvent')).toBe('hookmesh.events.acme.orderEvent');
    // A key is free text: its subject token is a hash, the same for the same key everywhere.
    expect(names.eventSubject('acme', 'orderEvent', 'order 8f13/a.b')).toMatch(/^hookmesh\.events\.acme\.orderEvent\.[0-9a-f]{24}$/);
    expect(names.eventSubject('acme', 'orderEvent', 'order 8f13/a.b').split('.').at(-1)).toBe(names.orderedSubject('acme', 'cb-1', 'order 8f13/a.b').split('.').at(-1));
    expect(names.orderedSubject('acme', 'cb-1', 'k')).toMatch(/^hookmesh\.ordered\.acme\.cb-1\.[0-9a-f]{24}$/);
    expect(names.accountEventsFilter('acme')).toBe('hookmesh.events.acme.>');
    expect(names.deliverySubject('acme', 'cb-1')).toBe('hookmesh.deliveries.acme.cb-1');
    expect(names.waitingSubject('acme', 'cb-1')).toBe('hookmesh.waiting.acme.cb-1');
    expect(names.auditSubject('acme', 'attempt')).toBe('hookmesh.audit.acme.attempt');
    expect(names.auditBatchSubject('acme')).toBe('hookmesh.audit.acme.batch');
    expect(names.controlSubject('acme', 'disable_callback')).toBe('hookmesh.control.acme.disable_callback');
    expect(names.subjects.dead).toBe('hookmesh.dead.>');
    expect(names.deadLetterSubject('deliveries')).toBe('hookmesh.dead.deliveries');
    expect(names.rateLimitSubject('event-ingest.events')).toBe('hookmesh.ratelimit.event-ingest.events');
    expect(() => names.rateLimitSubject('a.>')).toThrow(/rate limiter/);
    expect(names.consumers.dispatcherFanout).toBe('dispatcher-fanout');
    expect(names.kv.bucket).toBe('hookmesh_subscriptions');
  });

  it('prefixes streams, consumers, the bucket and the subject root', () => {
    const names = natsNames('t42_');
    expect(names.streams.deliveries).toBe('t42_DELIVERIES');
    expect(names.consumers.subscriptionControl).toBe('t42_subscription-control');
    expect(names.kv.bucket).toBe('t42_hookmesh_subscriptions');
    expect(names.subjects.audit).toBe('t42_hookmesh.audit.>');
    expect(names.eventSubject('acme', 'rmaEvent')).toBe('t42_hookmesh.events.acme.rmaEvent');
  });

  it.each(['a.b', 'has space', 'x*', 'x>', 'a'.repeat(33)])('rejects the prefix %j', (prefix) => {
    expect(() => natsNames(prefix)).toThrow(InvalidNatsNameError);
  });

  it('refuses an account or callback id that would break the subject', () => {
    const names = natsNames();
    expect(() => names.eventSubject('acme.evil', 'orderEvent')).toThrow(InvalidNatsNameError);
    expect(() => names.deliverySubject('acme', 'a.>')).toThrow(/callback id/);
  });

  it('builds and parses KV keys', () => {
    const { kv } = natsNames('p');
    expect(kv.callbackKey('acme', 'cb-1')).toBe('cb.acme.cb-1');
    expect(kv.holdKey('acme', 'orderEvent')).toBe('hold.acme.orderEvent');
    expect(kv.parseKey('cb.acme.cb-1')).toEqual({ kind: 'callback', account: 'acme', callbackId: 'cb-1' });
    expect(kv.parseKey('hold.acme.orderEvent')).toEqual({ kind: 'hold', account: 'acme', messageType: 'orderEvent' });
    expect(kv.parseKey('other.acme.x')).toBeNull();
    expect(kv.parseKey('cb.acme')).toBeNull();
  });

  it('encodes registered message type names as subject tokens and KV key parts, reversibly', () => {
    const names = natsNames();
    expect(names.eventSubject('acme', 'Orders.Created')).toBe('hookmesh.events.acme.Orders_2ECreated');
    expect(names.eventSubject('acme', 'orders:created')).toBe('hookmesh.events.acme.orders_3Acreated');
    expect(names.kv.holdKey('acme', 'my_type.v2')).toBe('hold.acme.my_5Ftype_2Ev2');
    expect(names.kv.eventTypeKey('Rmas.Created')).toBe('type.Rmas_2ECreated');
    expect(names.kv.parseKey('type.Rmas_2ECreated')).toEqual({ kind: 'event_type', messageType: 'Rmas.Created' });
    expect(names.kv.parseKey('hold.acme.my_5Ftype_2Ev2')).toEqual({ kind: 'hold', account: 'acme', messageType: 'my_type.v2' });
    expect(names.kv.parseKey('type.bad_ZZ')).toBeNull();
    for (const name of ['orderEvent', 'a_b', 'a_5Fb', 'x.y:z-w', `A${'.'.repeat(63)}`]) {
      expect(messageTypeOfToken(messageTypeToken(name))).toBe(name);
    }
    // Distinct names never share a token.
    expect(messageTypeToken('a_2Eb')).not.toBe(messageTypeToken('a.b'));
  });
});
