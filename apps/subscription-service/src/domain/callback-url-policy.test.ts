import { checkUrls, urlIssue } from './callback-url-policy';

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
});
