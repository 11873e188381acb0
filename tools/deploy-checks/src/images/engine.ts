// The container engine the images suite drives: the one tools/images/engine.sh picks (podman with the settings this
// kind of machine needs, or a Docker whose daemon answers), so the scripts and the tests never disagree.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { repoPath } from '../repo';

const run = promisify(execFile);

export type Engine = {
  name: 'podman' | 'docker';
  /** Runs the engine's CLI; rejects with its stderr on a non-zero exit. */
  cli(args: readonly string[], options?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<{ stdout: string; stderr: string }>;
  /** `inspect --format` of an image or container. */
  inspect(target: string, format: string, kind?: 'image' | 'container'): Promise<string>;
};

/** The engine, with CONTAINERS_CONF exported into this process for podman; undefined when none is usable. */
export function findEngine(): Engine | undefined {
  const script = `. ${JSON.stringify(repoPath('tools/images/engine.sh'))}; hm_use_engine >/dev/null 2>&1 || exit 0; printf '%s\\n%s' "$ENGINE" "\${CONTAINERS_CONF:-}"`;
  const [name, conf] = execFileSync('bash', ['-c', script], { encoding: 'utf8' }).split('\n');
  if (name !== 'podman' && name !== 'docker') return undefined;
  if (conf) process.env['CONTAINERS_CONF'] = conf;
  const cli: Engine['cli'] = async (args, options = {}) => {
    try {
      return await run(name, [...args], { timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024, env: options.env ?? process.env });
    } catch (error) {
      const failure = error as { stderr?: string; message?: string };
      throw new Error(`${name} ${args.join(' ')} failed: ${failure.stderr?.trim() || failure.message}`, { cause: error });
    }
  };
  return {
    name,
    cli,
    async inspect(target, format, kind = 'image') {
      return (await cli([kind, 'inspect', '--format', format, target])).stdout.trim();
    },
  };
}

export const NO_ENGINE = [
  '',
  '*****************************************************************************************',
  '  The images suite needs a container engine and found none.',
  '  Install podman (apt-get install podman buildah runc debootstrap) or start Docker,',
  '  or set HOOKMESH_SKIP_IMAGES=1 to skip building and running the images on purpose.',
  '*****************************************************************************************',
  '',
].join('\n');
