// A small evaluator of Kubernetes NetworkPolicies over the rendered manifests, so the tests can ask the questions an
// operator cares about ("can the dispatcher reach the internet? can anything but Hookmesh reach NATS?") directly.
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ofKind, type KubeObject } from './kube';
import { selects, type Workload } from './workloads';

/** One end of a connection: a pod of the install's namespace, a pod in another namespace, or an IP address. */
export type Peer =
  | { pod: Workload; namespace: string }
  | { namespace: string }
  | { ip: string };

type Policy = INetworkPolicy & KubeObject;
type Rule = { peers: NonNullable<NonNullable<INetworkPolicy['spec']>['ingress']>[number]['from']; ports: NonNullable<NonNullable<INetworkPolicy['spec']>['ingress']>[number]['ports'] };

function ipv4ToNumber(address: string): number | undefined {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) return undefined;
  return parts.reduce((value, part) => value * 256 + part, 0);
}

/** Whether an IPv4 address lies in a CIDR block (IPv6 blocks never contain an IPv4 address here). */
export function inCidr(address: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const ip = ipv4ToNumber(address);
  const start = ipv4ToNumber(base ?? '');
  if (ip === undefined || start === undefined) return false;
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ip / size) === Math.floor(start / size);
}

function namespaceLabels(namespace: string): Record<string, string> {
  return { 'kubernetes.io/metadata.name': namespace };
}

function peerMatches(rulePeer: NonNullable<Rule['peers']>[number], peer: Peer, policyNamespace: string): boolean {
  if (rulePeer.ipBlock !== undefined) {
    return 'ip' in peer && inCidr(peer.ip, rulePeer.ipBlock.cidr) && !(rulePeer.ipBlock.except ?? []).some((cidr) => inCidr(peer.ip, cidr));
  }
  if ('ip' in peer) return false;
  const namespaceOk =
    rulePeer.namespaceSelector === undefined ? peer.namespace === policyNamespace : selects(rulePeer.namespaceSelector, namespaceLabels(peer.namespace));
  if (!namespaceOk) return false;
  if (rulePeer.podSelector === undefined) return true;
  // A pod elsewhere is known only by its namespace: only an empty pod selector is sure to match it.
  if (!('pod' in peer)) return Object.keys(rulePeer.podSelector.matchLabels ?? {}).length === 0 && (rulePeer.podSelector.matchExpressions ?? []).length === 0;
  return selects(rulePeer.podSelector, peer.pod.labels);
}

function portMatches(ports: Rule['ports'], port: number, protocol: string, destination: Peer): boolean {
  if (ports === undefined || ports.length === 0) return true;
  return ports.some((rulePort) => {
    if ((rulePort.protocol ?? 'TCP') !== protocol) return false;
    if (rulePort.port === undefined) return true;
    if (typeof rulePort.port === 'number') return rulePort.endPort !== undefined ? port >= rulePort.port && port <= rulePort.endPort : port === rulePort.port;
    if (!('pod' in destination)) return false;
    const containers = destination.pod.template.spec?.containers ?? [];
    return containers.some((container) => (container.ports ?? []).some((candidate) => candidate.name === rulePort.port && candidate.containerPort === port));
  });
}

function policyTypes(policy: Policy): string[] {
  const spec = policy.spec;
  if (spec?.policyTypes !== undefined) return spec.policyTypes;
  return spec?.egress !== undefined ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** Whether the policies let `source` open a connection to `destination` on port/protocol (both directions enforced). */
export function connectionAllowed(objects: readonly KubeObject[], source: Peer, destination: Peer, port: number, protocol = 'TCP'): boolean {
  const policies = ofKind(objects, 'NetworkPolicy');
  const namespaceOf = (policy: Policy) => policy.metadata.namespace ?? 'default';

  const egressOk = (() => {
    if (!('pod' in source)) return true; // outside the install: its own namespace's policies are not ours to judge
    const applying = policies.filter((policy) => namespaceOf(policy) === source.namespace && policyTypes(policy).includes('Egress') && selects(policy.spec?.podSelector, source.pod.labels));
    if (applying.length === 0) return true;
    return applying.some((policy) =>
      (policy.spec?.egress ?? []).some((rule) => (rule.to === undefined || rule.to.length === 0 || rule.to.some((peer) => peerMatches(peer, destination, namespaceOf(policy)))) && portMatches(rule.ports, port, protocol, destination)),
    );
  })();
  const ingressOk = (() => {
    if (!('pod' in destination)) return true;
    const applying = policies.filter((policy) => namespaceOf(policy) === destination.namespace && policyTypes(policy).includes('Ingress') && selects(policy.spec?.podSelector, destination.pod.labels));
    if (applying.length === 0) return true;
    return applying.some((policy) =>
      (policy.spec?.ingress ?? []).some((rule) => (rule.from === undefined || rule.from.length === 0 || rule.from.some((peer) => peerMatches(peer, source, namespaceOf(policy)))) && portMatches(rule.ports, port, protocol, destination)),
    );
  })();
  return egressOk && ingressOk;
}
