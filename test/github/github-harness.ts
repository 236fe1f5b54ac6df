// One GitHub App end to end: the fake GitHub (fake-github.ts), a hub with the App's credentials pointing at it,
// served on a real port, and one runner daemon connected to it that executes real tasks.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildServer } from '../../github-app/src/build-server.js';
import { gatewayPlugin } from '../../github-app/src/gateway/runner-gateway.js';
import { type CreateHubOptions, createHub, type Hub } from '../../github-app/src/hub.js';
import { readRunnerConfig } from '../../runner/src/daemon/runner-config.js';
import { type RunnerDaemon, startRunnerDaemon } from '../../runner/src/daemon/runner-daemon.js';
import { type Delivery, deliver, type FakeGithub } from './fake-github.js';

// pino is the hub's dependency, not test/'s: taken from there.
const pino = createRequire(new URL('../../github-app/package.json', import.meta.url))('pino') as (
  options: { level: string },
  stream: Writable,
) => CreateHubOptions['log'];

export const WEBHOOK_SECRET = 'webhook-secret-for-tests';
const ADMIN_TOKEN = 'admin-token-for-github-tests-0123';
const ADMIN = { name: 'admin', role: 'admin' as const };

export type GithubHarness = {
  fake: FakeGithub;
  hub: Hub;
  /** The hub's HTTP server (build-server.ts), listening at `url`. */
  app: Awaited<ReturnType<typeof buildServer>>;
  url: string;
  /** Every line the hub logged, as text. */
  logText(): string;
  deliver(delivery: Delivery, options?: { signWith?: string }): Promise<Response>;
  close(): Promise<void>;
};

export async function startGithubHarness(
  fake: FakeGithub,
  options: { runnerTags?: string[]; store?: CreateHubOptions['store'] } = {},
): Promise<GithubHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'floe-github-e2e-'));
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const log = pino({ level: 'debug' }, sink);
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const hub = await createHub({
    dataDir: join(dir, 'hub'),
    log,
    ...(options.store ? { store: options.store } : {}),
    triggers: false,
    secretKey: 'github-e2e-secret-key',
    timing: { heartbeatMs: 200, leaseMs: 5_000, offerTimeoutMs: 2_000, leaseCheckMs: 100, sweepMs: 60_000 },
  });
  let url = '';
  const gateway = gatewayPlugin({ core: hub.core, logger: log, heartbeatMs: 200, leaseMs: 5_000 });
  const app = await buildServer({
    hub,
    adminToken: ADMIN_TOKEN,
    version: '0.0.0-test',
    gateway,
    github: {
      hub,
      log,
      appId: '1',
      privateKey,
      webhookSecret: WEBHOOK_SECRET,
      apiUrl: fake.url,
      publicUrl: () => 'https://floe.example.test',
      pacing: false,
    },
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  const registration = await hub.createRunnerToken(ADMIN);
  const config = readRunnerConfig(
    {
      hub: url,
      token: registration,
      name: 'e2e-runner',
      workDir: join(dir, 'runner'),
      slots: '4',
      killGrace: '500ms',
      ...(options.runnerTags ? { tags: options.runnerTags.join(',') } : {}),
    },
    {},
  );
  if (!config.ok) throw new Error(config.message);
  // The runner's git trusts the fake's https certificate, as a runner's git trusts GitHub's.
  const runner: RunnerDaemon = startRunnerDaemon({
    config: config.config,
    logger: log,
    drainMs: 500,
    baseEnv: { ...(process.env as Record<string, string>), GIT_SSL_CAINFO: fake.certFile },
  });
  return {
    fake,
    hub,
    app,
    url,
    logText: () => lines.join(''),
    deliver: (delivery, options) => deliver(url, WEBHOOK_SECRET, delivery, options),
    async close() {
      runner.stop();
      await runner.done;
      gateway.closeAll('the test is over');
      await app.close();
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until `check` gives a value (not undefined/false), polling every 25 ms. */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
