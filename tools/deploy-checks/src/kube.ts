// Rendering the kustomizations with `kubectl kustomize`, validating each object against the Kubernetes OpenAPI
// schemas (kubernetes-models) and reading the rendered objects with their real types.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Deployment, StatefulSet, type IDeployment, type IStatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler, type IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job, type IJob } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy, type IIngress, type INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service, type IConfigMap, type ISecret, type IService } from 'kubernetes-models/v1';
import YAML from 'yaml';
import { repoPath } from './repo';

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
};

type Validatable = { validate(): void };
type ModelClass = new (data: never) => Validatable;

/** The kubernetes-models class of every kind the manifests use, by "apiVersion/kind". */
const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'networking.k8s.io/v1/Ingress': Ingress,
};

/** Kinds whose schema kubernetes-models does not ship (custom resources); they are checked by hand instead. */
export const UNVALIDATED_KINDS: ReadonlySet<string> = new Set(['keda.sh/v1alpha1/ScaledObject']);

function isKubeObject(value: unknown): value is KubeObject {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<KubeObject>;
  return typeof candidate.apiVersion === 'string' && typeof candidate.kind === 'string' && typeof candidate.metadata?.name === 'string';
}

/** Parses a multi-document YAML stream into Kubernetes objects; anything without apiVersion/kind/name is an error. */
export function parseManifests(text: string, source: string): KubeObject[] {
  return YAML.parseAllDocuments(text)
    .filter((document) => document.contents !== null)
    .map((document, index) => {
      if (document.errors.length > 0) throw new Error(`${source} document ${index + 1}: ${document.errors[0]!.message}`);
      const value: unknown = document.toJS();
      if (!isKubeObject(value)) throw new Error(`${source} document ${index + 1} is not a Kubernetes object (apiVersion, kind, metadata.name)`);
      return value;
    });
}

/**
 * kustomize wraps long base64 Secret values over several lines; the API server's base64 decoder skips line breaks,
 * the schema's "byte" format does not, so they are joined before validation.
 */
function asApiServerReads(object: KubeObject): KubeObject {
  const data = (object as { data?: unknown }).data;
  if (object.kind !== 'Secret' || typeof data !== 'object' || data === null) return object;
  const joined = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, typeof value === 'string' ? value.replace(/\s+/g, '') : value]));
  return { ...object, data: joined } as KubeObject;
}

/** Problems of one object against the Kubernetes schema of its kind; empty when valid. */
export function schemaProblems(object: KubeObject): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  const Model = MODELS[key];
  if (Model === undefined) return [`${key} ${object.metadata.name}: no kubernetes-models class for this kind`];
  try {
    new Model(asApiServerReads(object) as never).validate();
    return [];
  } catch (error) {
    return [`${key} ${object.metadata.name}: ${error instanceof Error ? error.message : String(error)}`];
  }
}

/** Renders a kustomization folder with `kubectl kustomize` (offline); fails with what to install when kubectl is absent. */
export function renderKustomization(dir: string): KubeObject[] {
  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('kubectl is not on PATH: the manifest checks render k8s/ with `kubectl kustomize` (offline). Install kubectl >= 1.27.');
    }
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`kubectl kustomize ${dir} failed: ${stderr.trim() || String(error)}`);
  }
  return parseManifests(output, `kubectl kustomize ${dir}`);
}

/** A value that passes the services' checks for a secret key, used where git holds only an example. */
export function placeholderSecret(key: string): string {
  switch (key) {
    case 'DATABASE_URL':
      return 'postgres://hookmesh:placeholder@postgres.internal.example:5432/hookmesh';
    case 'HOOKMESH_JWT_SECRET':
      return randomBytes(48).toString('base64url');
    case 'HOOKMESH_SECRETS_KEY':
      return `check1:${randomBytes(32).toString('base64')}`;
    default:
      return 'placeholder';
  }
}

/** KEY=value lines of an env file (comments and blank lines skipped). */
export function parseEnvFile(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0 && !line.startsWith('#'))
      .map((line) => {
        const equals = line.indexOf('=');
        if (equals <= 0) throw new Error(`not a KEY=value line: ${line}`);
        return [line.slice(0, equals), line.slice(equals + 1)];
      }),
  );
}

/** A variation of the prod overlay an operator would make: settings added to hookmesh.env, components, secrets left out. */
export type ProdVariant = { settings?: Record<string, string>; components?: string[]; omitSecrets?: string[] };

/**
 * Renders the prod overlay (or a variant of it), whose Secret comes from a git-ignored secrets.env: k8s/ is copied to a temporary
 * folder and secrets.env is written there from secrets.env.example's keys with placeholder values.
 */
export function renderProdOverlay(variant: ProdVariant = {}): KubeObject[] {
  const scratch = mkdtempSync(path.join(tmpdir(), 'hookmesh-deploy-checks-'));
  try {
    cpSync(repoPath('k8s'), path.join(scratch, 'k8s'), { recursive: true });
    const overlay = path.join(scratch, 'k8s', 'overlays', 'prod');
    const keys = Object.keys(parseEnvFile(readFileSync(path.join(overlay, 'secrets.env.example'), 'utf8'))).filter((key) => !(variant.omitSecrets ?? []).includes(key));
    writeFileSync(path.join(overlay, 'secrets.env'), keys.map((key) => `${key}=${placeholderSecret(key)}\n`).join(''));
    if (variant.settings !== undefined) {
      const settings = Object.entries(variant.settings).map(([key, value]) => `${key}=${value}\n`).join('');
      writeFileSync(path.join(overlay, 'hookmesh.env'), `${readFileSync(path.join(overlay, 'hookmesh.env'), 'utf8')}\n${settings}`);
    }
    if ((variant.components ?? []).length > 0) {
      const listed = variant.components!.map((component) => `  - ../../components/${component}\n`).join('');
      writeFileSync(path.join(overlay, 'kustomization.yaml'), `${readFileSync(path.join(overlay, 'kustomization.yaml'), 'utf8')}\ncomponents:\n${listed}`);
    }
    return renderKustomization(overlay);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export type KindMap = {
  Deployment: IDeployment;
  StatefulSet: IStatefulSet;
  Job: IJob;
  Service: IService;
  ConfigMap: IConfigMap;
  Secret: ISecret;
  PodDisruptionBudget: IPodDisruptionBudget;
  HorizontalPodAutoscaler: IHorizontalPodAutoscaler;
  NetworkPolicy: INetworkPolicy;
  Ingress: IIngress;
};

/** The rendered objects of one kind, typed by kubernetes-models (call after schemaProblems found none). */
export function ofKind<K extends keyof KindMap>(objects: readonly KubeObject[], kind: K): Array<KindMap[K] & KubeObject> {
  return objects.filter((object) => object.kind === kind) as Array<KindMap[K] & KubeObject>;
}

/** The one object of a kind and name, failing with both named when it is absent. */
export function named<K extends keyof KindMap>(objects: readonly KubeObject[], kind: K, name: string): KindMap[K] & KubeObject {
  const found = ofKind(objects, kind).find((object) => object.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} named ${name}`);
  return found;
}
