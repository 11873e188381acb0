// Reading rendered workloads the way the kubelet would: their pods' labels, containers, ports and environment.
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IContainer } from 'kubernetes-models/v1';
import { ofKind, type KubeObject } from './kube';

type PodTemplate = NonNullable<NonNullable<IDeployment['spec']>['template']>;
export type LabelSelector = NonNullable<IDeployment['spec']>['selector'];
export type Container = IContainer;

/** A pod template of a Deployment, StatefulSet or Job, with the workload it belongs to. */
export type Workload = { kind: string; name: string; labels: Record<string, string>; template: PodTemplate };

/** Every workload's pod template in the rendered objects. */
export function workloads(objects: readonly KubeObject[]): Workload[] {
  const templates = [...ofKind(objects, 'Deployment'), ...ofKind(objects, 'StatefulSet'), ...ofKind(objects, 'Job')].map((object) => ({
    kind: object.kind,
    name: object.metadata.name,
    template: object.spec?.template,
  }));
  return templates.flatMap(({ kind, name, template }) =>
    template === undefined ? [] : [{ kind, name, template, labels: template.metadata?.labels ?? {} }],
  );
}

/** A service's Deployment and its container of the same name; throws when either is missing. */
export function serviceContainer(objects: readonly KubeObject[], service: string): { workload: Workload; container: Container } {
  const workload = workloads(objects).find((candidate) => candidate.kind === 'Deployment' && candidate.name === service);
  if (workload === undefined) throw new Error(`no Deployment named ${service}`);
  const container = workload.template.spec?.containers.find((candidate) => candidate.name === service);
  if (container === undefined) throw new Error(`Deployment ${service} has no container named ${service}`);
  return { workload, container };
}

/** All containers of a pod template, init containers first. */
export function containersOf(workload: Workload): Container[] {
  return [...(workload.template.spec?.initContainers ?? []), ...(workload.template.spec?.containers ?? [])];
}

/** Whether a Kubernetes label selector (matchLabels and matchExpressions) selects these labels. */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (selector === undefined) return false;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case 'In':
        return labels[key] !== undefined && values.includes(labels[key]!);
      case 'NotIn':
        return labels[key] === undefined || !values.includes(labels[key]!);
      case 'Exists':
        return labels[key] !== undefined;
      case 'DoesNotExist':
        return labels[key] === undefined;
      default:
        return false;
    }
  });
  return byLabels && byExpressions;
}

/** A service's selector as a plain map (Services select by equality only). */
export function selectsByMap(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** The container port a probe or Service targets: a number as is, a name through the container's ports. */
export function resolvePort(container: Container, port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  if (port === undefined) return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

export type ResolvedEnv = {
  /** The environment the container starts with (what main.ts's process.env holds). */
  env: Record<string, string>;
  /** Names of the variables that came from a Secret. */
  fromSecrets: Set<string>;
  /** References to a ConfigMap, Secret or key that does not exist (and is not optional). */
  problems: string[];
};

function decodeSecret(secret: { data?: Record<string, string>; stringData?: Record<string, string> }): Record<string, string> {
  const decoded = Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
  return { ...decoded, ...(secret.stringData ?? {}) };
}

/** Resolves a container's envFrom and env against the rendered ConfigMaps and Secrets, as the kubelet does. */
export function resolveContainerEnv(container: Container, objects: readonly KubeObject[]): ResolvedEnv {
  const configMaps = new Map(ofKind(objects, 'ConfigMap').map((map) => [map.metadata.name, map.data ?? {}]));
  const secrets = new Map(ofKind(objects, 'Secret').map((secret) => [secret.metadata.name, decodeSecret(secret)]));
  const env: Record<string, string> = {};
  const fromSecrets = new Set<string>();
  const problems: string[] = [];
  const where = `container ${container.name}`;

  for (const source of container.envFrom ?? []) {
    if (source.configMapRef !== undefined) {
      const data = configMaps.get(source.configMapRef.name ?? '');
      if (data === undefined) {
        if (source.configMapRef.optional !== true) problems.push(`${where}: envFrom ConfigMap ${source.configMapRef.name} does not exist`);
        continue;
      }
      for (const [key, value] of Object.entries(data)) env[`${source.prefix ?? ''}${key}`] = value;
    }
    if (source.secretRef !== undefined) {
      const data = secrets.get(source.secretRef.name ?? '');
      if (data === undefined) {
        if (source.secretRef.optional !== true) problems.push(`${where}: envFrom Secret ${source.secretRef.name} does not exist`);
        continue;
      }
      for (const [key, value] of Object.entries(data)) {
        env[`${source.prefix ?? ''}${key}`] = value;
        fromSecrets.add(`${source.prefix ?? ''}${key}`);
      }
    }
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      env[variable.name] = expandReferences(variable.value, env);
      continue;
    }
    const secretRef = variable.valueFrom?.secretKeyRef;
    const configRef = variable.valueFrom?.configMapKeyRef;
    const ref = secretRef ?? configRef;
    if (ref !== undefined) {
      const store = secretRef !== undefined ? secrets : configMaps;
      const kind = secretRef !== undefined ? 'Secret' : 'ConfigMap';
      const data = store.get(ref.name ?? '');
      const value = data?.[ref.key];
      if (value === undefined) {
        if (ref.optional !== true) problems.push(`${where}: ${variable.name} needs key ${ref.key} of ${kind} ${ref.name}, which ${data === undefined ? 'does not exist' : 'lacks it'}`);
        continue;
      }
      env[variable.name] = value;
      if (secretRef !== undefined) fromSecrets.add(variable.name);
      continue;
    }
    if (variable.valueFrom?.fieldRef !== undefined) env[variable.name] = `<${variable.valueFrom.fieldRef.fieldPath}>`;
  }
  return { env, fromSecrets, problems };
}

/**
 * The kubelet's expansion of `$(NAME)` in an env value: a variable defined before it (envFrom, or earlier in env) is
 * substituted, `$$(NAME)` stays `$(NAME)`, an unknown reference is left as written.
 */
export function expandReferences(value: string, defined: Readonly<Record<string, string>>): string {
  return value.replace(/\$(\$)?\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, escaped: string | undefined, name: string) => {
    if (escaped !== undefined) return `$(${name})`;
    return defined[name] ?? whole;
  });
}
