// The order of the registration rules: the answer names the rule the URL breaks first in the user's eyes.
import { checkCallbackUrl, type Resolver } from './index';

const unresolvable: Resolver = async (hostname) => {
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
};

describe('checkCallbackUrl rule order', () => {
  it('refuses http as https_required before resolving the host, whether or not it resolves', async () => {
    let lookups = 0;
    const counting: Resolver = async (hostname) => {
      lookups += 1;
      return unresolvable(hostname);
    };
    expect(await checkCallbackUrl('http://nowhere.invalid/hook', { allowPrivateTargets: false }, counting)).toMatchObject({ ok: false, rule: 'https_required' });
    expect(lookups).toBe(0);
  });

  it('still resolves an http host under the development switch, which allows http to private targets only', async () => {
    expect(await checkCallbackUrl('http://nowhere.invalid/hook', { allowPrivateTargets: true }, unresolvable)).toMatchObject({ ok: false, rule: 'unresolvable_host' });
  });
});
