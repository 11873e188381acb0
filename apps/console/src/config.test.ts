import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@hookmesh/config';
import { loadConfig } from './config';

const upstreams = {
  HOOKMESH_SUBSCRIPTION_URL: 'http://subscription-service:3001',
  HOOKMESH_INGEST_URL: 'http://event-ingest:3002/',
  HOOKMESH_AUDIT_URL: 'http://audit:3004',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => problem.variable);
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('listens on 3000 and frames itself only, by default', () => {
    const config = loadConfig(upstreams);
    expect(config.PORT).toBe(3000);
    expect(config.HOOKMESH_CONSOLE_FRAME_ANCESTORS).toEqual(["'self'"]);
    expect(config.HOOKMESH_INGEST_URL).toBe('http://event-ingest:3002');
    expect(config.HOOKMESH_UPSTREAM_TIMEOUT).toBe(30_000);
  });

  it('needs the three service URLs, and refuses credentials or a query in them', () => {
    expect(problemsOf({})).toEqual(['HOOKMESH_SUBSCRIPTION_URL', 'HOOKMESH_INGEST_URL', 'HOOKMESH_AUDIT_URL']);
    expect(problemsOf({ ...upstreams, HOOKMESH_AUDIT_URL: 'http://user:pw@audit:3004' })).toEqual(['HOOKMESH_AUDIT_URL']);
    expect(problemsOf({ ...upstreams, HOOKMESH_AUDIT_URL: 'ftp://audit' })).toEqual(['HOOKMESH_AUDIT_URL']);
  });

  it('takes frame ancestors as origins, and nothing that would widen the policy', () => {
    expect(loadConfig({ ...upstreams, HOOKMESH_CONSOLE_FRAME_ANCESTORS: "'self' https://dash.example.com" }).HOOKMESH_CONSOLE_FRAME_ANCESTORS).toEqual([
      "'self'",
      'https://dash.example.com',
    ]);
    expect(problemsOf({ ...upstreams, HOOKMESH_CONSOLE_FRAME_ANCESTORS: "https://a.example; script-src 'unsafe-inline'" })).toContain('HOOKMESH_CONSOLE_FRAME_ANCESTORS.0');
    expect(problemsOf({ ...upstreams, HOOKMESH_CONSOLE_FRAME_ANCESTORS: '*' }).length).toBeGreaterThan(0);
  });
});
