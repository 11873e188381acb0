// How ingress-nginx picks a backend with use-regex: every path is a case-insensitive regex anchored at the start,
// tried longest first; the first that matches wins.
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1';

export type IngressBackend = { service: string; port: string | number | undefined; path: string };

/** The backend ingress-nginx would send a request path to, or undefined when no path matches. */
export function backendFor(ingresses: readonly IIngress[], requestPath: string): IngressBackend | undefined {
  const candidates = ingresses.flatMap((ingress) =>
    (ingress.spec?.rules ?? []).flatMap((rule) =>
      (rule.http?.paths ?? []).map((entry) => ({
        path: entry.path ?? '/',
        service: entry.backend.service?.name ?? '',
        port: entry.backend.service?.port?.name ?? entry.backend.service?.port?.number,
      })),
    ),
  );
  // Array.prototype.sort is stable, so equal lengths keep their written order, like ingress-nginx.
  const ordered = [...candidates].sort((a, b) => b.path.length - a.path.length);
  return ordered.find((candidate) => new RegExp(`^${candidate.path}`, 'i').test(requestPath));
}

/** An example request path for an OpenAPI path template ("/{account}/api/v1/callbacks/{id}" → "/acme/api/v1/callbacks/x1"). */
export function examplePath(template: string): string {
  return template.replace(/\{account\}/g, 'acme-corp').replace(/\{(\w+)\}/g, (_, name: string) => `${name}-0190a5b2`);
}
