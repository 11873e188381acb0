import type { Logger } from 'pino';

export type Shutdown = {
  /** Adds a named step; steps run in the order they were registered. */
  register(name: string, step: () => Promise<void> | void): void;
  /** Runs every step once (later calls return the same promise); a failing step is logged and the rest still run. */
  run(reason: string): Promise<void>;
  /** Runs the steps on SIGTERM/SIGINT, then exits; a second signal exits at once. */
  onSignals(exit?: (code: number) => void): void;
};

/**
 * The single shutdown registry of a process: main.ts registers, in order,
 * stop HTTP → stop consumers → drain NATS → close the database → flush telemetry.
 */
export function createShutdown(log: Logger, options: { stepTimeoutMs?: number } = {}): Shutdown {
  const steps: Array<{ name: string; step: () => Promise<void> | void }> = [];
  let running: Promise<void> | undefined;
  const stepTimeoutMs = options.stepTimeoutMs ?? 20_000;

  async function runStep(name: string, step: () => Promise<void> | void): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(step),
        new Promise<void>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`did not finish within ${stepTimeoutMs} ms`)), stepTimeoutMs);
        }),
      ]);
      log.debug({ step: name }, 'shutdown step done');
    } catch (error) {
      log.error({ step: name, err: error }, 'shutdown step failed');
    } finally {
      clearTimeout(timer);
    }
  }

  const shutdown: Shutdown = {
    register(name, step) {
      steps.push({ name, step });
    },
    run(reason) {
      running ??= (async () => {
        log.info({ reason }, 'shutting down');
        for (const { name, step } of steps) await runStep(name, step);
        log.info('shutdown complete');
      })();
      return running;
    },
    onSignals(exit = (code) => process.exit(code)) {
      let signals = 0;
      const handler = (signal: NodeJS.Signals) => {
        signals += 1;
        if (signals > 1) {
          log.warn({ signal }, 'second signal; exiting now');
          exit(1);
          return;
        }
        void shutdown.run(signal).then(() => exit(0));
      };
      process.on('SIGTERM', handler);
      process.on('SIGINT', handler);
    },
  };
  return shutdown;
}
