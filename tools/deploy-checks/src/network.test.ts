import type { KubeObject } from './kube';
import { connectionAllowed, inCidr, type Peer } from './network';
import type { Workload } from './workloads';

function pod(name: string, labels: Record<string, string>, ports: Array<{ name: string; containerPort: number }> = []): Peer {
  const workload: Workload = { kind: 'Deployment', name, labels, template: { metadata: { labels }, spec: { containers: [{ name, ports }] } } };
  return { pod: workload, namespace: 'ns' };
}

function policy(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'ns' }, spec } as KubeObject;
}

const web = pod('web', { app: 'web' }, [{ name: 'http', containerPort: 8080 }]);
const client = pod('client', { role: 'client' });
const stranger = pod('stranger', { role: 'other' });
const denyAll = policy('deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

describe('inCidr', () => {
  it.each([
    ['10.1.2.3', '10.0.0.0/8', true],
    ['11.0.0.1', '10.0.0.0/8', false],
    ['172.31.255.255', '172.16.0.0/12', true],
    ['172.32.0.0', '172.16.0.0/12', false],
    ['1.2.3.4', '0.0.0.0/0', true],
    ['1.2.3.4', '::/0', false],
  ])('%s in %s is %s', (address, cidr, expected) => expect(inCidr(address, cidr)).toBe(expected));
});

describe('connectionAllowed', () => {
  it('allows everything when no policy selects either side', () => {
    expect(connectionAllowed([], client, web, 8080)).toBe(true);
  });

  it('needs both the egress of the source and the ingress of the destination once both are isolated', () => {
    const ingress = policy('web-in', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }], ports: [{ port: 'http' }] }] });
    const egress = policy('client-out', { podSelector: { matchLabels: { role: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'web' } } }] }] });
    expect(connectionAllowed([denyAll, ingress], client, web, 8080)).toBe(false);
    expect(connectionAllowed([denyAll, ingress, egress], client, web, 8080)).toBe(true);
    expect(connectionAllowed([denyAll, ingress, egress], client, web, 9090)).toBe(false);
    expect(connectionAllowed([denyAll, ingress, egress], stranger, web, 8080)).toBe(false);
  });

  it('honours ipBlock exceptions and namespace selectors', () => {
    const out = policy('out', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }] }],
    });
    expect(connectionAllowed([denyAll, out], client, { ip: '8.8.8.8' }, 443)).toBe(true);
    expect(connectionAllowed([denyAll, out], client, { ip: '10.9.9.9' }, 443)).toBe(false);
    expect(connectionAllowed([denyAll, out], client, { namespace: 'kube-system' }, 53, 'UDP')).toBe(true);
    expect(connectionAllowed([denyAll, out], client, { namespace: 'default' }, 53, 'UDP')).toBe(false);
  });
});
