// `GET /badge/:owner/:name/:flow.svg?ref=main` (docs/api.md "Badges"): the last result of a flow on a branch, as an
// SVG image for a README. Outside /api and the dashboard's routes. It needs a viewer token like the API unless the
// hub runs with --public-badges: a flow's last result is not everyone's business by default. Repositories named
// without an owner (`--repo NAME=PATH`) are `/badge/:name/:flow.svg`.
import { createHash } from 'node:crypto';
import { z } from '@floe/shared';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { HubApi } from './hub-api.js';
import { parseInput } from './parse-input.js';
import { renderBadge } from './render-badge.js';

const BadgeQuerySchema = z.object({
  /** A branch name or a full ref; default the repository's default branch. */
  ref: z
    .string()
    .max(255)
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters')
    .optional(),
});

export async function badgeRoute(
  app: FastifyInstance,
  options: { hub: Pick<HubApi, 'lastResult'>; publicBadges: boolean },
): Promise<void> {
  const config = options.publicBadges ? { auth: false as const } : {};
  const answer = async (repo: string, file: string, query: unknown, reply: FastifyReply, ifNoneMatch?: string) => {
    const { ref } = parseInput(BadgeQuerySchema, query, 'query');
    const flowId = file.endsWith('.svg') ? file.slice(0, -4) : undefined;
    const status = flowId === undefined ? 'unknown' : await options.hub.lastResult(repo, flowId, ref);
    // An unknown flow's badge never repeats the name asked for: it says "floe" and "unknown".
    const svg = renderBadge(status === 'unknown' ? 'floe' : (flowId as string), status);
    const etag = `"${createHash('sha256').update(svg).digest('base64url').slice(0, 22)}"`;
    reply
      .header('content-type', 'image/svg+xml; charset=utf-8')
      // Image proxies (GitHub's camo) keep a badge as long as they may: a minute keeps it current enough; a badge
      // behind a token is the token holder's alone.
      .header('cache-control', options.publicBadges ? 'public, max-age=60, must-revalidate' : 'private, no-cache')
      .header('etag', etag)
      // Opened on its own, the SVG is a document: it may load and run nothing.
      .header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    if (ifNoneMatch === etag) return reply.code(304).send();
    return reply.code(status === 'unknown' ? 404 : 200).send(svg);
  };

  app.get<{ Params: { owner: string; name: string; file: string } }>(
    '/badge/:owner/:name/:file',
    { config },
    async (request, reply) =>
      answer(
        `${request.params.owner}/${request.params.name}`,
        request.params.file,
        request.query,
        reply,
        request.headers['if-none-match'],
      ),
  );
  app.get<{ Params: { name: string; file: string } }>('/badge/:name/:file', { config }, async (request, reply) =>
    answer(request.params.name, request.params.file, request.query, reply, request.headers['if-none-match']),
  );
}
