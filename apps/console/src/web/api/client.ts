// The page's only way to the APIs: same-origin calls under /api/<service>/<account>/api/v1 (the console server
// forwards them), the bearer token in the Authorization header and never in a URL.
import { ApiError, problemFromAnswer } from './problem';

export type Service = 'subscription' | 'ingest' | 'audit';
export type QueryValues = Readonly<Record<string, string | number | undefined | null>>;

export interface ApiClient {
  readonly account: string;
  get<T>(service: Service, path: string, query?: QueryValues): Promise<T>;
  send<T>(service: Service, method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

export interface ApiClientOptions {
  account: string;
  token: string;
  /** Called when a service answers 401: the token expired or was revoked. */
  onUnauthorized: () => void;
  fetch?: typeof fetch;
}

/** "?a=1&b=x" from the values that are set (undefined, null and "" are left out), or "". */
export function queryString(query: QueryValues = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(name, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** Builds the client for one signed-in account. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const base = (service: Service) => `/api/${service}/${encodeURIComponent(options.account)}/api/v1`;

  async function call<T>(service: Service, method: string, path: string, body: unknown): Promise<T> {
    let response: Response;
    try {
      response = await doFetch(`${base(service)}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: 'application/json, application/problem+json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      throw new ApiError({ title: 'Network error', status: 0, detail: 'The console server cannot be reached; check your connection.' });
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (response.status === 401) options.onUnauthorized();
    if (!response.ok) throw problemFromAnswer(response.status, response.statusText, parsed);
    return parsed as T;
  }

  return {
    account: options.account,
    get: (service, path, query) => call(service, 'GET', `${path}${queryString(query)}`, undefined),
    send: (service, method, path, body) => call(service, method, path, body),
  };
}
