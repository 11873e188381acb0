import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { checkCallbackUrl, classifyAddress, createGuardedConnector, EgressBlockedError, type Resolver } from './index';

const production = { allowPrivateTargets: false };
const development = { allowPrivateTargets: true };
const fixedResolver =
  (answers: Record<string, string[]>): Resolver =>
  async (hostname) => {
    const found = answers[hostname];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return found;
  };

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['::1', 'loopback'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['0:0:0:0:0:ffff:127.0.0.1', 'loopback'],
    ['fd00:ec2::254', 'metadata'],
    ['224.0.0.1', 'multicast'],
    // IPv4-compatible IPv6 (::/96, deprecated): ipaddr.js calls it unicast, but nothing outside 2000::/3 is global.
    ['::7f00:1', 'reserved'],
    ['::a9fe:a9fe', 'reserved'],
    ['::a00:1', 'reserved'],
    ['::1.2.3.4', 'reserved'],
    ['::127.0.0.1', 'reserved'],
    ['100::1', 'discard'],
    ['2001:db8::1', 'reserved'],
    ['2002:7f00:1::1', '6to4'],
    ['4000::1', 'reserved'],
    ['e000::1', 'reserved'],
  ])('refuses %s (%s) in production', (address, range) => {
    const verdict = classifyAddress(address);
    expect(verdict.range).toBe(range);
    expect(verdict.public).toBe(false);
  });

  it.each(['93.184.216.34', '2606:4700:4700::1111', '2001:4860:4860::8888', '2a00:1450:4001::1', '3ffe::1', '::ffff:93.184.216.34'])('accepts the public address %s', (address) => {
    expect(classifyAddress(address).public).toBe(true);
  });

  it('keeps metadata and link-local shut even for the development switch', () => {
    expect(classifyAddress('169.254.169.254').privateAllowed).toBe(false);
    expect(classifyAddress('fd00:ec2::254').privateAllowed).toBe(false);
    expect(classifyAddress('127.0.0.1').privateAllowed).toBe(true);
    expect(classifyAddress('fd12::1').privateAllowed).toBe(true);
  });
});

describe('checkCallbackUrl', () => {
  const resolver = fixedResolver({ 'hooks.example.com': ['93.184.216.34'], 'internal.example.com': ['10.0.0.5'], 'mixed.example.com': ['93.184.216.34', '127.0.0.1'] });

  it('accepts an https URL whose host resolves to public addresses', async () => {
    const check = await checkCallbackUrl('https://hooks.example.com/webhook', production, resolver);
    expect(check).toMatchObject({ ok: true, addresses: ['93.184.216.34'] });
  });

  it('refuses http with a rule that says https is required', async () => {
    expect(await checkCallbackUrl('http://hooks.example.com/webhook', production, resolver)).toMatchObject({ ok: false, rule: 'https_required' });
  });

  it('refuses credentials in the URL', async () => {
    expect(await checkCallbackUrl('https://user:pw@hooks.example.com/', production, resolver)).toMatchObject({ ok: false, rule: 'credentials_in_url' });
  });

  it.each([
    'https://127.0.0.1/x',
    'https://2130706433/x',
    'https://0x7f000001/x',
    'https://0177.0.0.1/x',
    'https://127.1/x',
    'https://[::1]/x',
    'https://[::ffff:127.0.0.1]/x',
    'https://[::ffff:7f00:1]/x',
    'https://169.254.169.254/latest/meta-data',
    'https://[fd00:ec2::254]/x',
    'https://100.64.1.1/x',
    'https://10.0.0.1/x',
    'https://192.168.0.10/x',
    'https://172.20.0.1/x',
    'https://[fc00::1]/x',
    'https://[::7f00:1]/x',
    'https://[::a9fe:a9fe]/latest/meta-data',
    'https://[::a00:1]/x',
    'https://internal.example.com/x',
    'https://mixed.example.com/x',
  ])('refuses %s as a non-public target', async (url) => {
    expect(await checkCallbackUrl(url, production, resolver)).toMatchObject({ ok: false, rule: 'non_public_address' });
  });

  it('refuses a host that does not resolve', async () => {
    expect(await checkCallbackUrl('https://nowhere.example.com/', production, resolver)).toMatchObject({ ok: false, rule: 'unresolvable_host' });
  });

  it('lets the development switch allow http and https to loopback and private targets only', async () => {
    expect(await checkCallbackUrl('http://127.0.0.1:3005/hook', development, resolver)).toMatchObject({ ok: true });
    expect(await checkCallbackUrl('https://internal.example.com/x', development, resolver)).toMatchObject({ ok: true });
    expect(await checkCallbackUrl('http://hooks.example.com/x', development, resolver)).toMatchObject({ ok: false, rule: 'https_required' });
    expect(await checkCallbackUrl('https://169.254.169.254/', development, resolver)).toMatchObject({ ok: false, rule: 'non_public_address' });
  });
});

describe('createGuardedConnector', () => {
  let server: Server;
  let port: number;
  const hosts: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hosts.push(req.headers.host ?? '');
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('dials the checked address while keeping the host name in the request', async () => {
    const agent = new Agent({ connect: createGuardedConnector({ policy: development, resolver: fixedResolver({ 'receiver.test': ['127.0.0.1'] }) }) });
    const response = await request(`http://receiver.test:${port}/hook`, { dispatcher: agent });
    expect(await response.body.text()).toBe('ok');
    expect(hosts).toContain(`receiver.test:${port}`);
    await agent.close();
  });

  it('refuses a host whose answer changed to loopback after registration (DNS rebinding)', async () => {
    let calls = 0;
    const rebinding: Resolver = async () => (++calls === 1 ? ['93.184.216.34'] : ['127.0.0.1']);
    const registration = await checkCallbackUrl(`https://rebind.test:${port}/hook`, production, rebinding);
    expect(registration.ok).toBe(true);

    const agent = new Agent({ connect: createGuardedConnector({ policy: production, resolver: rebinding }) });
    const before = hosts.length;
    await expect(request(`http://rebind.test:${port}/hook`, { dispatcher: agent })).rejects.toBeInstanceOf(EgressBlockedError);
    expect(hosts.length).toBe(before);
    await agent.close();
  });

  it.each(['::7f00:1', '::a9fe:a9fe', '::a00:1'])('refuses the IPv4-compatible IPv6 literal [%s] at connect time', async (literal) => {
    const agent = new Agent({ connect: createGuardedConnector({ policy: production }) });
    const before = hosts.length;
    await expect(request(`https://[${literal}]:${port}/hook`, { dispatcher: agent })).rejects.toBeInstanceOf(EgressBlockedError);
    expect(hosts.length).toBe(before);
    await agent.close();
  });

  it('refuses a literal private address in production', async () => {
    const agent = new Agent({ connect: createGuardedConnector({ policy: production }) });
    await expect(request(`http://127.0.0.1:${port}/hook`, { dispatcher: agent })).rejects.toThrow(/loopback addresses are not allowed/);
    await agent.close();
  });
});
