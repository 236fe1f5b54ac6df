// Headers on every answer of the hub (docs/security.md "HTTP headers"; DESIGN §9). The
// dashboard is served by the same origin as the API it calls, and runs its own bundled scripts only, so the policy
// allows exactly that: no inline script or style (the dashboard sets computed styles through the CSSOM,
// web/src/set-style.ts), no other origin, no frames. A test loads the dashboard in Chromium under these headers and
// fails on any violation the browser reports.
import type { FastifyInstance } from 'fastify';

/** The Content-Security-Policy of every answer, one directive a line. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // Lit's element styles are constructed style sheets and the palette is a file: no inline style is needed.
  "style-src 'self'",
  // The page's icon is the empty `data:,` (no request for /favicon.ico).
  "img-src 'self' data:",
  // fetch() of the API and the live API's WebSocket, on the page's own host and port (CSP 3: 'self' covers ws: and
  // wss: to the same host).
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  // Browsers that predate frame-ancestors.
  'x-frame-options': 'DENY',
  // A log served as text/plain must never be run as a script because it looks like one.
  'x-content-type-options': 'nosniff',
  // The dashboard's URLs name runs and flows; nothing of them goes to the sites it links to.
  'referrer-policy': 'no-referrer',
};

/** Sets SECURITY_HEADERS on every answer, errors and refused upgrades included (set before any other hook runs). */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
}
