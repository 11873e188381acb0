// The console server as a process (its bundle in dist/) in front of a running platform, and a headless chromium
// that records everything the page must never do: script errors, policy violations, tokens in URLs.
import { waitFor, type Platform } from '@hookmesh/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');

export interface ConsoleServer {
  url: string;
  output(): string;
  /** SIGTERM, then the exit code (0 when the shutdown was graceful). */
  stop(): Promise<number | null>;
}

/** Starts dist/apps/console/main.js on `port` forwarding to the platform's services; resolves once /readyz answers. */
export async function startConsoleServer(platform: Platform, port: number): Promise<ConsoleServer> {
  const bundle = path.join(repoRoot, 'dist', 'apps', 'console', 'main.js');
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: build first (npx nx run console:build)`);
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', bundle], {
    cwd: repoRoot,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      HOOKMESH_SUBSCRIPTION_URL: platform.urls['subscription-service'],
      HOOKMESH_INGEST_URL: platform.urls['event-ingest'],
      HOOKMESH_AUDIT_URL: platform.urls.audit,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`console exited with ${child.exitCode}:\n${lines.join('')}`);
      return (await fetch(`${url}/readyz`).catch(() => undefined))?.ok;
    },
    { timeoutMs: 20_000, intervalMs: 100, label: 'console ready' },
  );
  return {
    url,
    output: () => lines.join(''),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) {
          resolve(child.exitCode);
          return;
        }
        const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', (code) => {
          clearTimeout(force);
          resolve(code);
        });
        child.kill('SIGTERM');
      }),
  };
}

export interface ConsoleBrowser {
  context: BrowserContext;
  /** Uncaught page errors, console errors and refused requests (4xx/5xx answers), as text. */
  errors: string[];
  /** Every Content-Security-Policy violation the pages reported (directive and what was blocked). */
  violations(page: Page): Promise<string[]>;
  /** Every URL the pages requested. */
  requested: string[];
  close(): Promise<void>;
}

/** Debian's chromium, or CHROMIUM_PATH. */
export function chromiumPath(): string {
  const candidates = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((candidate): candidate is string => !!candidate);
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) throw new Error('no chromium: install it (apt-get install -y chromium) or set CHROMIUM_PATH');
  return found;
}

/** Launches headless chromium with a fresh profile and a recording context. */
export async function launchBrowser(): Promise<ConsoleBrowser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'console-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 860 },
    locale: 'en-GB',
    timezoneId: 'UTC',
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const errors: string[] = [];
  const requested: string[] = [];
  // Runs before the page's own scripts in every document (outside the page's policy, which cannot block it).
  await context.addInitScript(() => {
    const store: string[] = [];
    Object.defineProperty(window, '__cspViolations', { value: store });
    document.addEventListener('securitypolicyviolation', (event) => store.push(`${event.violatedDirective} ${event.blockedURI}`));
  });
  const watch = (page: Page) => {
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('request', (request) => requested.push(request.url()));
    page.on('response', (response) => {
      if (response.status() >= 400) errors.push(`response: ${response.status()} ${response.request().method()} ${new URL(response.url()).pathname}`);
    });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    errors,
    requested,
    violations: (page) => page.evaluate(() => [...((window as unknown as { __cspViolations?: string[] }).__cspViolations ?? [])]),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The text of the elements a control's aria-describedby names (its hint and its error). */
export async function descriptionOf(control: Locator): Promise<string> {
  return control.evaluate((element) =>
    (element.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .filter((id) => id !== '')
      .map((id) => element.ownerDocument.getElementById(id)?.textContent ?? '')
      .join(' '),
  );
}

/** How many pixels of a canvas are painted (not transparent). */
export async function paintedPixels(canvas: Locator): Promise<number> {
  return canvas.evaluate((element) => {
    const target = element as HTMLCanvasElement;
    const context = target.getContext('2d');
    if (context === null) return 0;
    const { data } = context.getImageData(0, 0, target.width, target.height);
    let painted = 0;
    for (let index = 3; index < data.length; index += 4) if ((data[index] ?? 0) > 0) painted += 1;
    return painted;
  });
}

/** Writes a screenshot (the viewport, or the whole page) to CONSOLE_SCREENSHOTS/<name>.png when that folder is set (docs/console.md uses them). */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  const folder = process.env['CONSOLE_SCREENSHOTS'];
  if (!folder) return;
  await page.screenshot({ path: path.join(folder, `${name}.png`), fullPage: options.fullPage ?? false, animations: 'disabled' });
}
