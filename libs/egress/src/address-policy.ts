import ipaddr from 'ipaddr.js';

export type TargetPolicy = {
  /** Development switch (HOOKMESH_ALLOW_PRIVATE_TARGETS): loopback and private targets, and http to them. */
  allowPrivateTargets: boolean;
};

export type AddressClass = {
  address: string;
  /** ipaddr.js range name of the address (IPv4-mapped IPv6 is classified as its IPv4). */
  range: string;
  /** Globally routable unicast: the only kind a callback may reach in production. */
  public: boolean;
  /** Reachable only with the development switch on. */
  privateAllowed: boolean;
};

// Ranges the development switch opens. Link-local stays shut even then: it holds the
// cloud metadata endpoints (169.254.169.254), which no webhook has business calling.
const DEV_RANGES = new Set(['loopback', 'private', 'uniqueLocal']);

// Specific metadata addresses inside otherwise-allowed ranges (AWS IPv6 metadata is in fd00::/8).
const METADATA = new Set(['fd00:ec2::254']);

/** Classifies one IP address literal; throws for a string that is not an IP address. */
export function classifyAddress(address: string): AddressClass {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  const range = parsed.range();
  const normal = parsed.toNormalizedString();
  const canonical = parsed.kind() === 'ipv6' ? ipaddr.IPv6.parse(normal).toString() : normal;
  const metadata = METADATA.has(canonical);
  return {
    address,
    range: metadata ? 'metadata' : range,
    public: range === 'unicast' && !metadata,
    privateAllowed: DEV_RANGES.has(range) && !metadata,
  };
}

/** Whether the policy lets a connection reach this address. */
export function addressAllowed(address: string, policy: TargetPolicy): boolean {
  const verdict = classifyAddress(address);
  return verdict.public || (policy.allowPrivateTargets && verdict.privateAllowed);
}

/** The host of a URL without IPv6 brackets, as WHATWG URL normalised it (decimal/octal/hex IPv4 become dotted). */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** Whether a host string is an IP literal rather than a name to resolve. */
export function isIpLiteral(host: string): boolean {
  return ipaddr.isValid(host) && (ipaddr.IPv4.isValidFourPartDecimal(host) || host.includes(':'));
}
