import { splitCpu } from './cpu-share';

describe('splitCpu', () => {
  it("puts the services' CPU on one side and every other measured process on the other", () => {
    const split = splitCpu({ dispatcher: 2, audit: 1, 'event-ingest': 0.5, 'nats-server': 0.75, postgres: 0.25, receiver: 0.5, bench: null }, ['subscription-service', 'event-ingest', 'dispatcher', 'audit']);
    expect(split).toEqual({ services: 3.5, rest: 1.5 });
  });

  it('is zero on both sides when nothing was measured', () => {
    expect(splitCpu({ dispatcher: null }, ['dispatcher'])).toEqual({ services: 0, rest: 0 });
  });
});
