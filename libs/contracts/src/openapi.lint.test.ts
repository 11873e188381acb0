// The generated OpenAPI documents pass Redocly's recommended lint, run as its CLI would be by anyone checking them.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { operationalRoutes } from './api/routes';
import { buildOpenApiDocument } from './openapi';

const run = promisify(execFile);
const cli = require.resolve('@redocly/cli/bin/cli.js');

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: Array<{ pointer: string }>;
}

/** Redocly's problems for one document (its JSON report), run offline: no telemetry, no update check. */
async function lint(document: object): Promise<LintProblem[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hm-oas-'));
  try {
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    writeFileSync(path.join(dir, 'redocly.yaml'), 'extends:\n  - recommended\ntelemetry: off\n');
    const result = await run(process.execPath, [cli, 'lint', file, '--config', path.join(dir, 'redocly.yaml'), '--format=json'], {
      cwd: dir,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      timeout: 60_000,
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    return (JSON.parse(result.stdout) as { problems: LintProblem[] }).problems;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Probes, metrics and the document itself answer 200 (or /readyz 503) to any request: there is no client error to
// document, so they are the only operations allowed to list no 4xx.
const noClientError = new Set(operationalRoutes('audit').map((route) => `#/paths/${route.path.replace(/\//g, '~1')}/${route.method}/responses`));

describe.each(['subscription-service', 'event-ingest', 'dispatcher', 'audit'] as const)('the OpenAPI document of %s', (service) => {
  it('passes redocly lint (recommended): no error, and no warning but the operational routes without a 4xx', async () => {
    const problems = await lint(buildOpenApiDocument(service));
    const unexpected = problems.filter((problem) => !(problem.ruleId === 'operation-4xx-response' && noClientError.has(problem.location[0]?.pointer ?? '')));
    expect(unexpected.map((problem) => `${problem.severity} ${problem.ruleId} ${problem.location[0]?.pointer}: ${problem.message}`)).toEqual([]);
  }, 90_000);
});
