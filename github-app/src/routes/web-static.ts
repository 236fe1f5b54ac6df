// Serves the dashboard (web/dist, built by Vite) at `/` (DESIGN §7). Every path that is not a file and not the API gets
// index.html, so that the links the hub writes — `/runs/:runId`, `/flows/:repo/:flowId` (DESIGN §8 "Links and health")
// — open the app, which routes them itself. The files are public (the app signs in with a token from the page); the API
// behind them is not. No @fastify/static: a stream and a small content-type table do.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** web/dist beside this package, from src/routes/ and from dist/routes/ alike. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

export interface WebStaticOptions {
  /** The built dashboard; default web/dist of this checkout. */
  root?: string;
}

export async function webStatic(app: FastifyInstance, options: WebStaticOptions): Promise<void> {
  const root = normalize(options.root ?? DEFAULT_WEB_ROOT);

  async function sendFile(reply: FastifyReply, file: string, immutable: boolean) {
    reply.header('content-type', CONTENT_TYPES[extname(file)] ?? 'application/octet-stream');
    // Vite puts a content hash in every asset's name; index.html must be fetched again to see new ones.
    reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    return reply.send(createReadStream(file));
  }

  app.get('/*', { config: { auth: false } }, async (request, reply) => {
    const path = decodeURIComponent(request.url.split('?')[0] ?? '/');
    // The API keeps its JSON 404s.
    if (path === '/api' || path.startsWith('/api/') || path === '/healthz' || path === '/readyz')
      return reply.callNotFound();
    const file = normalize(join(root, path));
    if (file.startsWith(root.endsWith(sep) ? root : root + sep) && (await isFile(file))) {
      return sendFile(reply, file, path.startsWith('/assets/'));
    }
    // A missing asset is a 404, not the app: a stale index.html must not get HTML for its scripts.
    if (path.startsWith('/assets/') || extname(path) !== '') return reply.callNotFound();
    const index = join(root, 'index.html');
    if (!(await isFile(index))) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The dashboard is not built: run `pnpm build:web` (or `pnpm build`), then reload.\n');
    }
    return sendFile(reply, index, false);
  });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
