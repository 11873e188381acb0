// The registration rules for callback URLs (https, no credentials, a web port, public targets) as problem issues.
import { checkCallbackUrl, type Resolver, type UrlCheck } from '@hookmesh/egress';
import type { ProblemIssue } from '@hookmesh/http';

export interface UrlPolicy {
  /** HOOKMESH_ALLOW_PRIVATE_TARGETS: loopback/private targets and http to them (development only). */
  allowPrivateTargets: boolean;
  /** DNS lookup of callback hosts; tests inject a fixed one. */
  resolver: Resolver;
  /** HOOKMESH_ALLOWED_CALLBACK_PORTS: ports of BLOCKED_CALLBACK_PORTS the operator lets callbacks use after all. */
  allowedPorts?: ReadonlySet<number>;
}

/**
 * Ports of well-known services that are not web endpoints: a callback there turns deliveries into probes of mail,
 * shell, database or cache servers. The browsers' "bad ports" (Fetch standard) plus common datastores and
 * infrastructure APIs (SQL Server, Oracle, Docker, etcd, MySQL, NATS, Postgres, AMQP, Redis, Cassandra,
 * Elasticsearch, memcached, MongoDB).
 */
export const BLOCKED_CALLBACK_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117,
  119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636,
  989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6697, 10080,
  1433, 1521, 2375, 2376, 2379, 2380, 3306, 4222, 5432, 5672, 6379, 9042, 9200, 9300, 11211, 27017,
]);

/** The issue for a refused URL: the rule is the `code`, so clients can tell https_required from non_public_address. */
export function urlIssue(path: string, check: UrlCheck): ProblemIssue | undefined {
  if (check.ok) return undefined;
  return { path, code: check.rule, message: `${check.rule}: ${check.message}` };
}

/** The issue for a URL on a blocked port the operator did not allow, else undefined. */
export function portIssue(path: string, url: string, policy: Pick<UrlPolicy, 'allowedPorts'>): ProblemIssue | undefined {
  let port: number;
  try {
    port = Number(new URL(url).port);
  } catch {
    return undefined;
  }
  // An empty port is the scheme's default (443), never blocked.
  if (port === 0 || !BLOCKED_CALLBACK_PORTS.has(port) || policy.allowedPorts?.has(port) === true) return undefined;
  return {
    path,
    code: 'port_not_allowed',
    message: `port_not_allowed: port ${port} belongs to a well-known service that is not a web endpoint; use a web port such as 443 (an operator can allow it with HOOKMESH_ALLOWED_CALLBACK_PORTS)`,
  };
}

// Rules about the URL as written come before the port; rules about where its host resolves come after it.
const ADDRESS_RULES = new Set(['non_public_address', 'unresolvable_host']);

/** Checks every URL concurrently; returns one issue per refused URL, in input order. */
export async function checkUrls(urls: ReadonlyArray<{ path: string; url: string }>, policy: UrlPolicy): Promise<ProblemIssue[]> {
  const checks = await Promise.all(
    urls.map(async ({ path, url }) => {
      const check = await checkCallbackUrl(url, { allowPrivateTargets: policy.allowPrivateTargets }, policy.resolver);
      if (!check.ok && !ADDRESS_RULES.has(check.rule)) return urlIssue(path, check);
      return portIssue(path, url, policy) ?? urlIssue(path, check);
    }),
  );
  return checks.filter((issue): issue is ProblemIssue => issue !== undefined);
}
