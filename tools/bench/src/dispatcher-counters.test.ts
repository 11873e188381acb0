import { countsBetween, parseDispatcherCounters } from './dispatcher-counters';

describe('parseDispatcherCounters', () => {
  it('sums every label set of each counter and ignores the others', () => {
    const exposition = [
      '# HELP hookmesh_deliveries_total Delivery attempts settled.',
      '# TYPE hookmesh_deliveries_total counter',
      'hookmesh_deliveries_total{outcome="delivered"} 950',
      'hookmesh_deliveries_total{outcome="retrying"} 50',
      'hookmesh_fanout_tasks_published_total 120',
      'hookmesh_deliveries_totalish 7',
      'hookmesh_delivery_parked_total 3',
    ].join('\n');
    expect(parseDispatcherCounters(exposition)).toEqual({ attempts: 1000, tasksStored: 120, parked: 3, movedToWaiting: 0 });
  });

  it('reports the change between two readings, or null when one is missing', () => {
    const before = { attempts: 10, tasksStored: 4, parked: 0, movedToWaiting: 1 };
    const after = { attempts: 110, tasksStored: 24, parked: 2, movedToWaiting: 1 };
    expect(countsBetween(before, after)).toEqual({ attempts: 100, tasksStored: 20, parked: 2, movedToWaiting: 0 });
    expect(countsBetween(null, after)).toBeNull();
  });
});
