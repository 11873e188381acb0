// Runs a command (npm test: every Nx project's type check, lint and jest run) with the run's test services:
// DATABASE_URL / NATS_URL as the environment gives them, or else one Postgres and one NATS container for the whole
// command, shared by every jest run through the environment and removed when it ends, however it ends.
//   tsx libs/testing/src/with-test-services.ts <command> [args...]
import { spawn } from 'node:child_process';
import { startTestServices } from './containers';

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  if (command === undefined) {
    console.error('usage: tsx libs/testing/src/with-test-services.ts <command> [args...]');
    return 2;
  }
  const services = await startTestServices();
  if (services.started.length > 0) {
    console.log(`test services: ${services.started.join(' and ')} in containers for this run (${services.env.NATS_URL}, Postgres on ${new URL(services.env.DATABASE_URL).host})`);
  }
  try {
    const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, ...services.env } });
    // Ctrl-C reaches the child through the terminal; a SIGTERM to this process is passed on. Either way the
    // containers go only after the command has ended.
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', () => undefined);
    process.on('SIGTERM', forward);
    return await new Promise<number>((resolve) => {
      child.once('error', (error) => {
        console.error(`${command}: ${error.message}`);
        resolve(127);
      });
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)));
    });
  } finally {
    await services.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
