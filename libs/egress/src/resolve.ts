import { promises as dns } from 'node:dns';
import { addressAllowed, classifyAddress, isIpLiteral, type TargetPolicy } from './address-policy';

/** Resolves a host name to every address it has (A and AAAA). Injected in tests to play a rebinding DNS. */
export type Resolver = (hostname: string) => Promise<string[]>;

/** The system resolver (getaddrinfo), every address, in the order the system gives. */
export const systemResolver: Resolver = async (hostname) => {
  const answers = await dns.lookup(hostname, { all: true, verbatim: true });
  return answers.map((answer) => answer.address);
};

export class EgressBlockedError extends Error {
  override readonly name = 'EgressBlockedError';
  constructor(
    readonly hostname: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(`refusing to connect to ${hostname} (${address}): ${range} addresses are not allowed as webhook targets`);
  }
}

export class DnsResolutionError extends Error {
  override readonly name = 'DnsResolutionError';
  constructor(
    readonly hostname: string,
    cause: unknown,
  ) {
    super(`could not resolve ${hostname}: ${(cause as { code?: string })?.code ?? String(cause)}`, { cause });
  }
}

/**
 * Resolves the host and returns the addresses the policy allows, refusing (EgressBlockedError) when any
 * answer is non-public: a name that mixes a public and a private address is a rebinding attempt.
 */
export async function resolveAllowedAddresses(hostname: string, policy: TargetPolicy, resolver: Resolver = systemResolver): Promise<string[]> {
  let addresses: string[];
  if (isIpLiteral(hostname)) {
    addresses = [hostname];
  } else {
    try {
      addresses = await resolver(hostname);
    } catch (error) {
      throw new DnsResolutionError(hostname, error);
    }
    if (addresses.length === 0) throw new DnsResolutionError(hostname, new Error('no addresses'));
  }
  for (const address of addresses) {
    if (!addressAllowed(address, policy)) throw new EgressBlockedError(hostname, address, classifyAddress(address).range);
  }
  return addresses;
}
