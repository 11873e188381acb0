// Entry point of the receiver process: listens, then tells its parent the port on stdout as one JSON line.
import { startCountingReceiver } from './receiver';

async function main(): Promise<void> {
  const { server, port } = await startCountingReceiver(Number(process.env['PORT'] ?? 0), Number(process.env['RECEIVER_DELAY_MS'] ?? 0));
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench receiver failed: ${String(error)}\n`);
  process.exit(1);
});
