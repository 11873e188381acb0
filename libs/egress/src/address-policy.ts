import ipaddr from 'ipaddr.js';

export type TargetPolicy = {
  /** Development switch (HOOKMESH_ALLOW_PRIVATE_TARGETS): loopback and private targets, and http to them. */
  allowPrivateTargets: boolean;
};

export type AddressClass = {
  address: string;
  /** ipaddr.js range name of the address (IPv4-mapped IPv6 is classified as its IPv4). */
  range: string;
  /** Globally routable unicast (IPv4 outside the special ranges, IPv6 in 2000::/3 outside them): the only kind a callback may reach in production. */
  public: boolean;
  /** Reachable only with the development switch on. */
  privateAllowed: boolean;
};

// Ranges the development switch opens. Link-local stays shut even then: it holds the
// cloud metadata endpoints (169.254.169.254), which no webhook has business calling.
const DEV_RANGES = new Set(['loopback', 'private', 'uniqueLocal']);

// Specific metadata addresses inside otherwise-allowed ranges (AWS IPv6 metadata is in fd00::/8).
const METADATA = new Set(['fd00:ec2::254']);

// Global unicast IPv6 (RFC 4291, IANA's allocations). ipaddr.js calls every address outside its list of special
// ranges "unicast", which includes ::/8 (IPv4-compatible ::7f00:1 is 127.0.0.1 to some stacks) and the unassigned
// space; only 2000::/3 is ever routed on the internet, and its special ranges (documentation, 6to4, Teredo,
// ORCHID...) have their own names in ipaddr.js, so "unicast inside 2000::/3" is exactly global unicast.
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/** ipaddr.js's range name, with IPv6 "unicast" outside 2000::/3 named "reserved" (it is not global). */
function rangeOf(parsed: ipaddr.IPv4 | ipaddr.IPv6): string {
  const range = parsed.range();
  if (parsed.kind() === 'ipv6' && range === 'unicast' && !parsed.match(GLOBAL_UNICAST_V6)) return 'reserved';
  return range;
}

// An IPv6 address ending in a dotted quad ("::1.2.3.4", as getaddrinfo prints IPv4-compatible answers).
const DOTTED_TAIL = /^(.*:)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

/**
 * Parses an address literal. ipaddr.js reads every IPv6 address with a dotted tail as IPv4-mapped ("::1.2.3.4"
 * becomes ::ffff:1.2.3.4), so the tail is rewritten as two hex groups first and the prefix decides.
 */
function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const dotted = address.includes(':') ? DOTTED_TAIL.exec(address) : null;
  if (dotted && ipaddr.IPv4.isValidFourPartDecimal(dotted[2]!)) {
    const [a, b, c, d] = ipaddr.IPv4.parse(dotted[2]!).octets;
    return ipaddr.IPv6.parse(`${dotted[1]}${((a! << 8) | b!).toString(16)}:${((c! << 8) | d!).toString(16)}`);
  }
  return ipaddr.parse(address);
}

/** Classifies one IP address literal; throws for a string that is not an IP address. */
export function classifyAddress(address: string): AddressClass {
  let parsed = parseAddress(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  const range = rangeOf(parsed);
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
