// The hub becomes a GitHub App when it has the App's credentials (DESIGN §6): Probot's middleware answers
// webhooks at /api/github/webhooks on the hub's own port, and a reporter keeps a check run per run. Without the
// credentials nothing here is mounted and the hub works standalone.

import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createNodeMiddleware, Probot, ProbotOctokit } from 'probot';
import { FloeError } from '../errors.js';
import type { Hub } from '../hub.js';
import type { WebhookOutcome } from '../metrics/hub-metrics.js';
import { badSignatureLog } from './bad-signature-log.js';
import { CheckRunReporter } from './check-run-reporter.js';
import { floeApp } from './floe-app.js';
import type { GithubCredentials } from './github-credentials.js';
import type { GithubRepos } from './github-repos.js';
import { webhookSignatureProblem } from './verify-webhook-signature.js';

/** Probot's default webhook path (the issue and app.yml use it). */
export const WEBHOOK_PATH = '/api/github/webhooks';
/** GitHub caps webhook payloads at 25 MB. */
const WEBHOOK_BODY_LIMIT = 25 * 1024 * 1024;

export type MountGithubOptions = GithubCredentials & {
  hub: Hub;
  log: Logger;
  /** The base of dashboard links in check runs and replies. */
  publicUrl: () => string;
  /** The least time between two log lines about webhooks with a bad signature; default 60 s (bad-signature-log.ts). */
  badSignatureWindowMs?: number;
  /** Read the installations' repositories at start (default true; needs the API). */
  loadInstallations?: boolean;
  /**
   * Octokit's throttling and retries (default true). GitHub asks apps to pace requests that notify people (one
   * comment per 3 s); tests against the fake GitHub turn this off, as Probot's own tests do.
   */
  pacing?: boolean;
};

/** A fastify plugin: `app.register(mountGithub, options)`. Rejects when the private key cannot be read. */
export async function mountGithub(app: FastifyInstance, options: MountGithubOptions): Promise<void> {
  const log = options.log.child({ part: 'github' });
  const privateKey = (options.privateKey ?? (await readFile(options.privateKeyPath as string, 'utf8'))).replace(
    /\\n/g,
    '\n',
  );
  const probot = new Probot({
    appId: options.appId,
    privateKey,
    secret: options.webhookSecret,
    baseUrl: (options.apiUrl ?? 'https://api.github.com').replace(/\/$/, ''),
    log,
    ...(options.pacing === false
      ? {
          // A function: Probot passes its own throttle options, which would replace a plain object's.
          Octokit: ProbotOctokit.defaults((given: Record<string, unknown>) => ({
            ...given,
            throttle: { ...(given.throttle as object), enabled: false },
            retry: { enabled: false },
          })),
        }
      : {}),
  });
  let repos: GithubRepos | undefined;
  const middleware = await createNodeMiddleware(
    floeApp({
      hub: options.hub,
      publicUrl: options.publicUrl,
      onRepos: (made) => {
        repos = made;
      },
    }),
    { probot, webhooksPath: WEBHOOK_PATH },
  );
  const reporter = new CheckRunReporter({
    hub: options.hub,
    sourceOf: (repo) => repos?.get(repo),
    publicUrl: options.publicUrl,
    log,
  });
  reporter.start();
  app.addHook('onClose', async () => {
    reporter.stop();
    await reporter.idle();
  });
  if (options.loadInstallations !== false) {
    repos
      ?.loadInstallations()
      .then(async (sources) => {
        for (const source of sources) await options.hub.refreshRepos(source.name);
        log.info({ repos: sources.length }, 'installations read');
        // Runs that changed while this hub was down (or before it knew their repository) catch up now.
        for (const run of await options.hub.store.listLiveRuns()) if (repos?.get(run.repo)) void reporter.sync(run.id);
      })
      .catch((err) => log.warn({ err }, 'could not list the installations; repositories are added as webhooks arrive'));
  }

  const refusedLog = badSignatureLog(log, options.badSignatureWindowMs);
  const deliveries = {
    inc: (labels: { outcome: WebhookOutcome }) => options.hub.metrics.webhookDeliveries.inc(labels),
  };
  await app.register(async (scope) => {
    // The signature is over the exact bytes GitHub sent: keep the body as a string, Probot checks it.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) =>
      done(null, body),
    );
    // Exempt from bearer tokens (GitHub signs instead). A delivery without GitHub's signature is answered 400 here;
    // a signed one is Probot's (which checks it again): 200, or 5xx when handling failed (a store call that found
    // the database away answers 503, FloeError's status).
    scope.post(WEBHOOK_PATH, { config: { auth: false }, bodyLimit: WEBHOOK_BODY_LIMIT }, async (request, reply) => {
      const body = typeof request.body === 'string' ? request.body : '';
      const problem = webhookSignatureProblem(options.webhookSecret, body, request.headers['x-hub-signature-256']);
      if (problem) {
        const header = (name: string) => {
          const value = request.headers[name];
          return typeof value === 'string' ? value : undefined;
        };
        refusedLog.refused({
          reason: problem,
          deliveryId: header('x-github-delivery'),
          event: header('x-github-event'),
          remoteAddress: request.ip,
        });
        deliveries.inc({ outcome: 'bad-signature' });
        throw new FloeError('FLOE_BAD_SIGNATURE');
      }
      // The database is away: nothing is done, and the 503 shows as failed in the App's deliveries, from where it
      // is redelivered (GitHub does not retry by itself; README "Faults", DESIGN §4 "When the database is out of
      // reach").
      if (options.hub.problems().length > 0) {
        deliveries.inc({ outcome: 'store-unavailable' });
        throw new FloeError('FLOE_STORE_UNAVAILABLE');
      }
      (request.raw as IncomingMessage & { body?: string }).body = body;
      reply.hijack();
      try {
        await middleware(request.raw, reply.raw, () => {
          reply.raw.writeHead(404).end();
        });
      } finally {
        const status = reply.raw.statusCode;
        deliveries.inc({ outcome: status >= 200 && status < 300 ? 'handled' : 'failed' });
      }
    });
  });
}
