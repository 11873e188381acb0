import { existsSync } from 'node:fs';

/** Whether a Docker engine looks reachable (socket or DOCKER_HOST), so testcontainers can run. */
export async function dockerAnswers(): Promise<boolean> {
  if (process.env['DOCKER_HOST']) return true;
  if (!existsSync('/var/run/docker.sock')) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}
