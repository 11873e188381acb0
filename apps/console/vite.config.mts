// Builds the console's single-page app into dist/apps/console/web (the console server serves it from there).
// `npx nx run console:dev` serves it with hot reload, forwarding /api to the services of `npm run up`.
import react from '@vitejs/plugin-react';
import path from 'node:path';
import { defineConfig } from 'vite';

const root = path.join(import.meta.dirname, 'src', 'web');
const dev = (port: number) => ({ target: `http://127.0.0.1:${port}`, rewrite: (url: string) => url.replace(/^\/api\/[a-z]+/, '') });

export default defineConfig({
  root,
  publicDir: path.join(root, 'public'),
  base: '/',
  plugins: [react()],
  build: {
    outDir: path.join(import.meta.dirname, '..', '..', 'dist', 'apps', 'console', 'web'),
    emptyOutDir: true,
    // The server's policy allows no inline script or style, and nothing from another origin.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 700,
  },
  server: {
    port: 5173,
    proxy: { '/api/subscription': dev(3001), '/api/ingest': dev(3002), '/api/audit': dev(3004) },
  },
});
