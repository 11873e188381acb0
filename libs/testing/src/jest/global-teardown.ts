// jest globalTeardown of every project: removes the containers globalSetup started, whatever the tests did.
import { servicesOfThisRun } from './global-setup';

// eslint-disable-next-line no-restricted-syntax -- jest takes globalTeardown from the default export
export default async function globalTeardown(): Promise<void> {
  await servicesOfThisRun()?.stop();
}
