// Registration-time SSRF refusal with the production policy (HOOKMESH_ALLOW_PRIVATE_TARGETS=false): every
// internal address, however it is spelled, gets 400 naming the rule, and nothing is stored or published.
// Delivery-time refusal (DNS rebinding) is covered by apps/dispatcher/src/ssrf.int.test.ts: see docs/security.md.
import { startPlatform, type Platform } from '@hookmesh/testing';
import { ALL_HEALTHY, healthOfAll, problemViolations, send } from './support/probe';
import { openStateReader, type StateReader } from './support/state';

const ACCOUNT = 'ssrf';

/** Internal targets and the spellings that smuggle them past naive string checks. */
const REFUSED_HTTPS = [
  ['loopback', 'https://127.0.0.1/hook'],
  ['loopback, other address', 'https://127.8.9.10/hook'],
  ['loopback, short form', 'https://127.1/hook'],
  ['loopback, decimal', 'https://2130706433/hook'],
  ['loopback, hex', 'https://0x7f000001/hook'],
  ['loopback, hex per octet', 'https://0x7f.0x0.0x0.0x1/hook'],
  ['loopback, octal', 'https://0177.0.0.1/hook'],
  ['loopback, with port', 'https://127.0.0.1:8443/hook'],
  ['localhost by name', 'https://localhost/hook'],
  ['localhost with trailing dot', 'https://localhost./hook'],
  ['unspecified 0.0.0.0', 'https://0.0.0.0/hook'],
  ['unspecified 0', 'https://0/hook'],
  ['RFC 1918 10/8', 'https://10.0.0.1/hook'],
  ['RFC 1918 172.16/12', 'https://172.16.5.4/hook'],
  ['RFC 1918 172.31', 'https://172.31.255.255/hook'],
  ['RFC 1918 192.168/16', 'https://192.168.1.1/hook'],
  ['RFC 1918 decimal', 'https://3232235777/hook'],
  ['link-local', 'https://169.254.1.1/hook'],
  ['metadata 169.254.169.254', 'https://169.254.169.254/latest/meta-data/'],
  ['metadata, decimal', 'https://2852039166/latest/meta-data/'],
  ['metadata, hex', 'https://0xa9fea9fe/latest/meta-data/'],
  ['metadata, octal', 'https://0251.0376.0251.0376/latest/meta-data/'],
  ['ECS task metadata', 'https://169.254.170.2/v2/credentials'],
  ['CGNAT 100.64/10', 'https://100.64.0.1/hook'],
  ['CGNAT upper end', 'https://100.127.255.254/hook'],
  ['multicast', 'https://224.0.0.1/hook'],
  ['broadcast', 'https://255.255.255.255/hook'],
  ['documentation range', 'https://192.0.2.1/hook'],
  ['IPv6 loopback', 'https://[::1]/hook'],
  ['IPv6 loopback, long form', 'https://[0:0:0:0:0:0:0:1]/hook'],
  ['IPv6 unspecified', 'https://[::]/hook'],
  ['IPv6 unique-local fc00::/7', 'https://[fc00::1]/hook'],
  ['IPv6 unique-local fd', 'https://[fd12:3456:789a::1]/hook'],
  ['IPv6 metadata fd00:ec2::254', 'https://[fd00:ec2::254]/latest/meta-data/'],
  ['IPv6 link-local', 'https://[fe80::1]/hook'],
  ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/hook'],
  ['IPv4-mapped loopback, hex', 'https://[::ffff:7f00:1]/hook'],
  ['IPv4-mapped metadata', 'https://[::ffff:169.254.169.254]/hook'],
  ['IPv4-mapped RFC 1918', 'https://[::ffff:10.0.0.1]/hook'],
  ['IPv4-mapped, long form', 'https://[0:0:0:0:0:ffff:7f00:1]/hook'],
  ['NAT64 of loopback', 'https://[64:ff9b::7f00:1]/hook'],
  ['IPv4-compatible loopback', 'https://[::7f00:1]/hook'],
  ['IPv4-compatible metadata', 'https://[::a9fe:a9fe]/latest/meta-data/'],
  ['IPv4-compatible RFC 1918', 'https://[::a00:1]/hook'],
  ['IPv4-compatible, dotted', 'https://[::127.0.0.1]/hook'],
  ['IPv6 documentation 2001:db8::/32', 'https://[2001:db8::1]/hook'],
  ['IPv6 6to4 of loopback', 'https://[2002:7f00:1::1]/hook'],
  ['IPv6 outside 2000::/3', 'https://[4000::1]/hook'],
] as const;

/** http is refused whatever the target; the URL names the rule rather than the address. */
const REFUSED_OTHER = [
  ['http to loopback', 'http://127.0.0.1/hook'],
  ['http to a public address', 'http://93.184.216.34/hook'],
  ['ftp', 'ftp://93.184.216.34/hook'],
  ['file', 'file:///etc/passwd'],
  ['gopher', 'gopher://127.0.0.1:6379/_INFO'],
  ['credentials', 'https://user:pass@93.184.216.34/hook'],
] as const;

describe('SSRF refusal at registration (production policy)', () => {
  let platform: Platform;
  let state: StateReader;
  let token: string;

  beforeAll(async () => {
    platform = await startPlatform({ label: 'ssrf', env: { HOOKMESH_ALLOW_PRIVATE_TARGETS: 'false' } });
    state = await openStateReader(platform);
    token = await platform.token(ACCOUNT);
  }, 180_000);

  afterAll(async () => {
    await state?.close();
    await platform?.stop();
  });

  const register = (body: unknown) =>
    send(`${platform.api('subscription-service', ACCOUNT)}/callbacks`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it(`refuses ${REFUSED_HTTPS.length} internal https targets with rule non_public_address, and ${REFUSED_OTHER.length} other schemes or credentials`, async () => {
    const before = await state.settled([ACCOUNT]);
    const failures: string[] = [];
    for (const [name, url] of [...REFUSED_HTTPS, ...REFUSED_OTHER]) {
      const answer = await register([{ url, message_type: 'orderEvent', api_version: '1.0' }]);
      const problems = problemViolations(answer, [400]);
      const errors = (answer.json as { errors?: Array<{ path: string; code: string }> } | undefined)?.errors ?? [];
      // A name (localhost) may also fail to resolve, which refuses it just the same; an http URL to an internal
      // address may be refused for either rule.
      const byName = !/^https:\/\/(\[|[0-9])/.test(url);
      const expectedRule = REFUSED_HTTPS.some(([, refused]) => refused === url)
        ? ['non_public_address', ...(byName ? ['unresolvable_host'] : [])]
        : ['https_required', 'credentials_in_url', 'non_public_address', 'custom'];
      if (!errors.some((issue) => issue.path === '0.url' && expectedRule.includes(issue.code))) problems.push(`errors ${JSON.stringify(errors)}`);
      if (problems.length > 0) failures.push(`${name} (${url}): ${problems.join(', ')}`);
    }
    expect(failures).toEqual([]);
    expect(await healthOfAll(platform)).toEqual(ALL_HEALTHY);
    expect(await state.snapshot([ACCOUNT])).toEqual(before);
    expect(before.accounts[ACCOUNT]!.callbacks).toEqual([]);
  });

  it('refuses a whole batch when one item is internal, naming that index, and stores none of it', async () => {
    const before = await state.settled([ACCOUNT]);
    // 93.184.216.34 is only ever registered, never called: no event is posted on this platform.
    const answer = await register([
      { url: 'https://93.184.216.34/ok', message_type: 'orderEvent', api_version: '1.0' },
      { url: 'https://[::ffff:169.254.169.254]/', message_type: 'orderEvent', api_version: '1.0' },
    ]);
    expect(problemViolations(answer, [400])).toEqual([]);
    expect((answer.json as { errors: Array<{ path: string; code: string }> }).errors).toEqual([expect.objectContaining({ path: '1.url', code: 'non_public_address' })]);
    expect(await state.snapshot([ACCOUNT])).toEqual(before);
  });

  it('refuses moving an existing callback to an internal target with PATCH, and keeps its URL', async () => {
    const created = await register([{ url: 'https://93.184.216.34/hook', message_type: 'qualityEvent', api_version: '1.0' }]);
    expect(created.status).toBe(201);
    const id = (created.json as { callbacks: Array<{ id: string }> }).callbacks[0]!.id;
    const before = await state.settled([ACCOUNT]);
    const failures: string[] = [];
    for (const [name, url] of REFUSED_HTTPS.slice(0, 12)) {
      const answer = await send(`${platform.api('subscription-service', ACCOUNT)}/callbacks/${id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url }),
      });
      const problems = problemViolations(answer, [400]);
      if (problems.length > 0) failures.push(`${name}: ${problems.join(', ')}`);
    }
    expect(failures).toEqual([]);
    expect(await state.snapshot([ACCOUNT])).toEqual(before);
    // Nothing may ever be delivered to that public address from a test: remove it again.
    const removed = await send(`${platform.api('subscription-service', ACCOUNT)}/callbacks`, { method: 'DELETE', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify([id]) });
    expect(removed.json).toEqual({ deleted: [id], not_found: [] });
  });

  it('logs no development-mode warning with the switch off', () => {
    expect(platform.output('subscription-service')).not.toContain('HOOKMESH_ALLOW_PRIVATE_TARGETS is on');
  });
});

export const SSRF_CASES = REFUSED_HTTPS.length + REFUSED_OTHER.length;
