import { BLOCKED_CALLBACK_PORTS, checkUrls, urlIssue } from './callback-url-policy';

const resolver = async (hostname: string): Promise<string[]> => (hostname === 'intranet.example.test' ? ['10.0.0.8'] : ['93.184.216.34']);

describe('callback URL policy', () => {
  it('answers one issue per refused URL, at its path, with the rule as the code', async () => {
    const issues = await checkUrls(
      [
        { path: '0.url', url: 'https://api.clienturl.com/webhook' },
        { path: '1.url', url: 'http://api.clienturl.com/webhook' },
        { path: '2.url', url: 'https://intranet.example.test/hook' },
        { path: '3.url', url: 'https://[::ffff:10.0.0.1]/hook' },
      ],
      { allowPrivateTargets: false, resolver },
    );
    expect(issues.map((issue) => `${issue.path} ${issue.code}`)).toEqual(['1.url https_required', '2.url non_public_address', '3.url non_public_address']);
    expect(issues[0]!.message).toMatch(/^https_required: /);
  });

  it('lets the development switch open private targets', async () => {
    expect(await checkUrls([{ path: 'url', url: 'http://intranet.example.test/hook' }], { allowPrivateTargets: true, resolver })).toEqual([]);
  });

  it('maps an accepted check to no issue', () => {
    expect(urlIssue('url', { ok: true, url: new URL('https://a.example.com'), addresses: ['93.184.216.34'] })).toBeUndefined();
  });

  it('refuses well-known non-web ports (SSH, SMTP, databases, caches) on a public host, naming the rule', async () => {
    for (const port of [22, 25, 3306, 5432, 6379, 27017]) expect(BLOCKED_CALLBACK_PORTS.has(port)).toBe(true);
    const issues = await checkUrls(
      [
        { path: '0.url', url: 'https://hooks.example.com:22/x' },
        { path: '1.url', url: 'https://hooks.example.com:6379/x' },
        { path: '2.url', url: 'https://hooks.example.com:8443/x' },
        { path: '3.url', url: 'https://hooks.example.com:443/x' },
      ],
      { allowPrivateTargets: false, resolver },
    );
    expect(issues.map((issue) => `${issue.path} ${issue.code}`)).toEqual(['0.url port_not_allowed', '1.url port_not_allowed']);
    expect(issues[0]!.message).toMatch(/port 22.*HOOKMESH_ALLOWED_CALLBACK_PORTS/);
  });

  it('lets the operator allow a port of the list, and still names the scheme first', async () => {
    expect(await checkUrls([{ path: 'url', url: 'https://hooks.example.com:25/x' }], { allowPrivateTargets: false, resolver, allowedPorts: new Set([25]) })).toEqual([]);
    expect((await checkUrls([{ path: 'url', url: 'http://hooks.example.com:22/x' }], { allowPrivateTargets: false, resolver }))[0]?.code).toBe('https_required');
  });
});

