import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard is static files the hub serves at `/` (github-app/src/routes/web-static.ts). @floe/shared is
// resolved from its TypeScript sources ("source" condition), like everywhere else in the workspace.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: { conditions: ['source', 'browser', 'module', 'import', 'default'] },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false, reportCompressedSize: true },
  server: { proxy: { '/api': { target: 'http://127.0.0.1:4040', ws: true }, '/healthz': 'http://127.0.0.1:4040' } },
});
