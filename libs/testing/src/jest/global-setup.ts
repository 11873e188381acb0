// jest globalSetup of every project (jest.preset.cjs): when the environment names no DATABASE_URL or NATS_URL and
// the run has integration suites, one Postgres and one NATS container serve the whole run. The URLs go to the test
// workers through the environment; each test file isolates itself by database and stream prefix as always.
import type { Config } from '@jest/types';
import { startTestServices, type TestServices } from '../containers';
import { integrationSuites } from './integration-suites';

export const SERVICES_KEY = '__hookmeshTestServices';

// eslint-disable-next-line no-restricted-syntax -- jest takes globalSetup from the default export
export default async function globalSetup(globalConfig: Config.GlobalConfig, projectConfig: Config.ProjectConfig): Promise<void> {
  if (process.env['DATABASE_URL'] && process.env['NATS_URL']) return;
  if (integrationSuites(projectConfig.rootDir, globalConfig.testPathPatterns.patterns).length === 0) return;
  const services = await startTestServices();
  process.env['DATABASE_URL'] = services.env.DATABASE_URL;
  process.env['NATS_URL'] = services.env.NATS_URL;
  (globalThis as Record<string, unknown>)[SERVICES_KEY] = services;
  console.log(`\ntest services: ${services.started.join(' and ')} in containers for this run (${services.env.DATABASE_URL.replace(/:[^:@/]*@/, ':***@')}, ${services.env.NATS_URL})`);
}

export function servicesOfThisRun(): TestServices | undefined {
  return (globalThis as Record<string, unknown>)[SERVICES_KEY] as TestServices | undefined;
}
