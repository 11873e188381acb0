// What the images install, read from package-lock.json: one copy of each OpenTelemetry package, and only the SDK
// pieces the services use (each nested second copy or unused exporter is megabytes in every image).
import { readRepoFile } from './repo';

type LockPackage = { version?: string; dev?: boolean; optional?: boolean; dependencies?: Record<string, string> };
const lock = JSON.parse(readRepoFile('package-lock.json')) as { packages: Record<string, LockPackage> };
const production = Object.entries(lock.packages).filter(([where, entry]) => where.startsWith('node_modules/') && entry.dev !== true);
const nameOf = (where: string) => where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length);

describe('production dependencies (package-lock.json)', () => {
  it('hold one version of every @opentelemetry package, none nested under another package', () => {
    const nested = production.filter(([where]) => nameOf(where).startsWith('@opentelemetry/') && where.indexOf('node_modules/') !== where.lastIndexOf('node_modules/'));
    expect(nested.map(([where, entry]) => `${where}@${entry.version}`)).toEqual([]);
  });

  it('trace with the SDK pieces the services use: no all-in-one NodeSDK, no gRPC, protobuf, metrics or logs exporter', () => {
    const names = production.map(([where]) => nameOf(where));
    expect(names).toEqual(expect.arrayContaining(['@opentelemetry/sdk-trace-node', '@opentelemetry/exporter-trace-otlp-http', '@opentelemetry/instrumentation-http']));
    expect(names.filter((name) => /^@opentelemetry\/(sdk-node|exporter-.*-(grpc|proto)|exporter-(logs|metrics)-.*|exporter-prometheus|exporter-zipkin)$/.test(name) || name.startsWith('@grpc/'))).toEqual([]);
  });
});
