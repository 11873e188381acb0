// Schemas shared by the three HTTP APIs.
import { z } from 'zod';
import { Account } from '../primitives';

export const MAX_URL_LENGTH = 2048;

// C0 controls, space, DEL, C1 controls and every Unicode space. WHATWG URL parsing drops tabs and newlines and trims
// leading and trailing controls silently, so a URL holding one would be stored as sent but called as something else.
// eslint-disable-next-line no-control-regex
const SPACE_OR_CONTROL = /[\u0000-\u0020\u007f-\u009f\s]/u;

/**
 * A syntactically valid absolute URL with a host, no userinfo, no spaces or control characters, parsed to its
 * normalised form (`new URL(url).href`: lower-case host, default port dropped, dot segments resolved, non-ASCII
 * percent-encoded), so the URL stored and shown is the URL called. The https-only and public-address (SSRF) rules
 * need configuration and DNS, so subscription-service enforces them.
 */
export const CallbackUrl = z
  .string({ error: 'url must be a string' })
  .max(MAX_URL_LENGTH, `url must be at most ${MAX_URL_LENGTH} characters`)
  .superRefine((value, ctx) => {
    if (SPACE_OR_CONTROL.test(value)) {
      ctx.addIssue({ code: 'custom', message: 'url must not contain spaces or control characters; percent-encode them (%20)' });
      return;
    }
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'url must be an absolute URL such as https://example.com/webhook' });
      return;
    }
    if (parsed.hostname === '') {
      ctx.addIssue({ code: 'custom', message: 'url must name a host, as in https://example.com/webhook' });
    }
    if (parsed.username !== '' || parsed.password !== '') {
      ctx.addIssue({
        code: 'custom',
        message: 'url must not contain a username or password (userinfo); use the callback token to authenticate deliveries',
      });
    }
  })
  .meta({ format: 'uri', maxLength: MAX_URL_LENGTH })
  .transform((value) => new URL(value).href);
export type CallbackUrl = z.infer<typeof CallbackUrl>;

/** Ids we minted (callbacks, deliveries) in responses. */
export const Uuid = z.uuid({ error: 'must be a UUID' });

/** Ids taken from a path or body: unknown ids answer 404 / not_found rather than 400, so only length is checked. */
export const IdParam = z.string().min(1, 'id must not be empty').max(200, 'id must be at most 200 characters');

export const AccountParams = z.strictObject({
  account: Account,
});
export type AccountParams = z.infer<typeof AccountParams>;

export const CallbackParams = AccountParams.extend({ id: IdParam });
export type CallbackParams = z.infer<typeof CallbackParams>;
