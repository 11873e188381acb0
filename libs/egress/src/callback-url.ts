import { classifyAddress, hostOf, type TargetPolicy } from './address-policy';
import { DnsResolutionError, EgressBlockedError, resolveAllowedAddresses, systemResolver, type Resolver } from './resolve';

export type UrlRule = 'invalid_url' | 'https_required' | 'credentials_in_url' | 'non_public_address' | 'unresolvable_host';

export type UrlCheck = { ok: true; url: URL; addresses: string[] } | { ok: false; rule: UrlRule; message: string };

/**
 * Decides whether a callback URL may be registered: https only, no credentials, and a host that
 * resolves only to public addresses — unless the development switch allows loopback/private targets,
 * which also allows http for those targets (and only those).
 */
export async function checkCallbackUrl(raw: string, policy: TargetPolicy, resolver: Resolver = systemResolver): Promise<UrlCheck> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, rule: 'invalid_url', message: 'must be an absolute URL' };
  }
  if (url.username || url.password) {
    return { ok: false, rule: 'credentials_in_url', message: 'must not carry a username or password; use the callback token instead' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, rule: 'https_required', message: `callback URLs must use https (got ${url.protocol.replace(':', '')})` };
  }
  // Without the development switch http is never allowed: say so before asking DNS, whose answer cannot change it.
  if (url.protocol === 'http:' && !policy.allowPrivateTargets) {
    return { ok: false, rule: 'https_required', message: 'callback URLs must use https' };
  }
  let addresses: string[];
  try {
    addresses = await resolveAllowedAddresses(hostOf(url), policy, resolver);
  } catch (error) {
    if (error instanceof EgressBlockedError) {
      return { ok: false, rule: 'non_public_address', message: `host resolves to a non-public address (${error.range}); callbacks must target the public internet` };
    }
    if (error instanceof DnsResolutionError) {
      return { ok: false, rule: 'unresolvable_host', message: `host ${error.hostname} does not resolve` };
    }
    throw error;
  }
  if (url.protocol === 'http:') {
    const allPrivate = addresses.every((address) => !classifyAddress(address).public);
    if (!policy.allowPrivateTargets || !allPrivate) {
      return { ok: false, rule: 'https_required', message: 'callback URLs must use https' };
    }
  }
  return { ok: true, url, addresses };
}
