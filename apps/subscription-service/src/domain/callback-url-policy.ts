// The registration rules for callback URLs (https, no credentials, public targets) as problem issues.
import { checkCallbackUrl, type Resolver, type UrlCheck } from '@hookmesh/egress';
import type { ProblemIssue } from '@hookmesh/http';

export interface UrlPolicy {
  /** HOOKMESH_ALLOW_PRIVATE_TARGETS: loopback/private targets and http to them (development only). */
  allowPrivateTargets: boolean;
  /** DNS lookup of callback hosts; tests inject a fixed one. */
  resolver: Resolver;
}

/** The issue for a refused URL: the rule is the `code`, so clients can tell https_required from non_public_address. */
export function urlIssue(path: string, check: UrlCheck): ProblemIssue | undefined {
  if (check.ok) return undefined;
  return { path, code: check.rule, message: `${check.rule}: ${check.message}` };
}

/** Checks every URL concurrently; returns one issue per refused URL, in input order. */
export async function checkUrls(urls: ReadonlyArray<{ path: string; url: string }>, policy: UrlPolicy): Promise<ProblemIssue[]> {
  const checks = await Promise.all(
    urls.map(async ({ path, url }) => urlIssue(path, await checkCallbackUrl(url, { allowPrivateTargets: policy.allowPrivateTargets }, policy.resolver))),
  );
  return checks.filter((issue): issue is ProblemIssue => issue !== undefined);
}
