import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1';
import { backendFor, examplePath } from './ingress';

const ingress = (paths: Array<[string, string]>): IIngress => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  spec: { rules: [{ http: { paths: paths.map(([path, service]) => ({ path, pathType: 'ImplementationSpecific', backend: { service: { name: service, port: { name: 'http' } } } })) } }] },
});

describe('backendFor', () => {
  it('tries longer paths first, as ingress-nginx orders regex locations', () => {
    const routes = [ingress([['/[^/]+/things', 'short'], ['/[^/]+/things/[^/]+/special', 'long']])];
    expect(backendFor(routes, '/a/things/1/special')?.service).toBe('long');
    expect(backendFor(routes, '/a/things/1')?.service).toBe('short');
  });

  it('anchors at the start, ignores case, and answers undefined when nothing matches', () => {
    const routes = [ingress([['/[^/]+/api/v1/events$', 'ingest']])];
    expect(backendFor(routes, '/ACME/API/V1/EVENTS')?.service).toBe('ingest');
    expect(backendFor(routes, '/x/acme/api/v1/events/more')).toBeUndefined();
  });
});

describe('examplePath', () => {
  it('fills every template parameter', () => {
    expect(examplePath('/{account}/api/v1/callbacks/{id}/recover')).toBe('/acme-corp/api/v1/callbacks/id-0190a5b2/recover');
  });
});
