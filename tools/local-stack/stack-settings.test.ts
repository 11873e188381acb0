// The local stack's settings, read by running the ES module the way `npm run up` loads it.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function settingsFor(userEnv: Record<string, string>): Promise<{ env: Record<string, string>; privateTargets: boolean }> {
  const module = path.join(__dirname, 'stack-settings.mjs');
  const script = `import(${JSON.stringify(module)}).then((m) => process.stdout.write(JSON.stringify(m.stackSettings(${JSON.stringify(userEnv)}))))`;
  const { stdout } = await run(process.execPath, ['-e', script]);
  return JSON.parse(stdout) as { env: Record<string, string>; privateTargets: boolean };
}

describe('local stack settings', () => {
  it('allows private targets and binds 127.0.0.1 unless the user says otherwise', async () => {
    expect(await settingsFor({})).toEqual({ env: { HOOKMESH_ALLOW_PRIVATE_TARGETS: 'true', HOST: '127.0.0.1' }, privateTargets: true });
  });

  it("honours the user's HOOKMESH_ALLOW_PRIVATE_TARGETS=false, so the stack can be made strict", async () => {
    expect(await settingsFor({ HOOKMESH_ALLOW_PRIVATE_TARGETS: 'false' })).toEqual({ env: { HOOKMESH_ALLOW_PRIVATE_TARGETS: 'false', HOST: '127.0.0.1' }, privateTargets: false });
  });

  it("honours the user's HOST", async () => {
    expect((await settingsFor({ HOST: '0.0.0.0' })).env.HOST).toBe('0.0.0.0');
  });
});
