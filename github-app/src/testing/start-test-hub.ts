// For tests only (the route and live API tests): a real hub — SQLite in a temp dir, real git repositories with a
// FLOE.yaml — served by the real server on 127.0.0.1, plus a stand-in runner that speaks through the HubCore seam
// the gateway uses, so tests can move runs along (start, logs, engine inputs) without a runner process.

import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EngineInput, type HubMessage, type LogStream, PROTOCOL_VERSION, type RunRecord } from '@floe/shared';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { ArtifactLimits } from '../artifacts/artifact-limits.js';
import { buildServer } from '../build-server.js';
import { gatewayPlugin } from '../gateway/runner-gateway.js';
import { createHub, type Hub } from '../hub.js';
import type { Store } from '../store/store.js';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

/** Repository name → FLOE.yaml text. */
export type TestRepos = Record<string, string>;

export interface TestHub {
  hub: Hub;
  app: FastifyInstance;
  /** `http://127.0.0.1:<port>` */
  url: string;
  dir: string;
  /** Makes an API token of a role through the hub. */
  token(role: 'viewer' | 'operator' | 'admin'): Promise<string>;
  /** Connects a stand-in runner through the HubCore seam. */
  connectRunner(name: string, tags?: string[]): Promise<StandInRunner>;
  close(): Promise<void>;
}

export interface StandInRunner {
  runnerId: string;
  /** Its credential: what its HTTP requests (artifact uploads) carry as the bearer token. */
  credential: string;
  /** Waits for an offer, accepts it, and returns a handle to report what happens to the run. */
  takeRun(runId: string): Promise<RunHandle>;
  /** Waits (up to 5 s) for a message of this type about this run, sent by the hub to this runner. */
  received<T extends HubMessage['type']>(type: T, runId: string): Promise<Extract<HubMessage, { type: T }>>;
}

export interface RunHandle {
  /** The epoch the run was taken at (what the runner's writes are fenced by). */
  epoch: number;
  /** Sends the `start` record (the engine starts on the hub). */
  start(): Promise<void>;
  log(node: string, text: string, stream?: LogStream): Promise<void>;
  input(input: EngineInput): Promise<void>;
}

/** Starts the hub with `repos` (each a git repository holding one FLOE.yaml) and serves it on a free port. */
export async function startTestHub(
  repos: TestRepos,
  options: {
    liveAuthTimeoutMs?: number;
    liveRecheckMs?: number;
    /** PostgreSQL instead of SQLite in the temp dir. */
    databaseUrl?: string;
    /** The hub's clock; default Date.now. */
    now?: () => number;
    secretKey?: string;
    /** A store of the test's (one that goes away) instead of SQLite in the temp dir. */
    store?: Store;
    /** `GET /metrics` without a token. */
    metricsPublic?: boolean;
    /** Artifact caps (hub.ts). */
    artifacts?: Partial<ArtifactLimits>;
    /** `--shared-caches` (hub.ts); default off. */
    sharedCaches?: boolean;
    /** `--public-badges`: /badge/… without a token. */
    publicBadges?: boolean;
  } = {},
): Promise<TestHub> {
  const dir = await mkdtemp(join(tmpdir(), 'floe-test-hub-'));
  const specs = [];
  for (const [name, floeYaml] of Object.entries(repos)) {
    const repoDir = join(dir, 'repos', name);
    await mkdir(repoDir, { recursive: true });
    await writeFile(join(repoDir, 'FLOE.yaml'), floeYaml);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repoDir, stdio: 'ignore' });
    git('init', '-q', '-b', 'main');
    git('add', 'FLOE.yaml');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'flows');
    specs.push({ name, url: repoDir });
  }
  const log = pino({ level: 'silent' });
  const hub = await createHub({
    dataDir: join(dir, 'hub'),
    log,
    repos: specs,
    triggers: false,
    ...(options.databaseUrl !== undefined ? { databaseUrl: options.databaseUrl } : {}),
    ...(options.now !== undefined ? { now: options.now } : {}),
    ...(options.secretKey !== undefined ? { secretKey: options.secretKey } : {}),
    ...(options.store !== undefined ? { store: options.store } : {}),
    ...(options.artifacts !== undefined ? { artifacts: options.artifacts } : {}),
    ...(options.sharedCaches ? { sharedCaches: true } : {}),
  });
  const gateway = gatewayPlugin({ core: hub.core, logger: log });
  const app = await buildServer({
    hub,
    adminToken: ADMIN_TOKEN,
    version: '0.0.0-test',
    gateway,
    ...(options.metricsPublic !== undefined ? { metricsPublic: options.metricsPublic } : {}),
    ...(options.publicBadges !== undefined ? { publicBadges: options.publicBadges } : {}),
    ...(options.liveAuthTimeoutMs !== undefined ? { liveAuthTimeoutMs: options.liveAuthTimeoutMs } : {}),
    ...(options.liveRecheckMs !== undefined ? { liveRecheckMs: options.liveRecheckMs } : {}),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const admin = { name: 'admin', role: 'admin' } as const;

  return {
    hub,
    app,
    url,
    dir,
    token: (role) => hub.createToken(`${role}-user`, role, admin),
    async connectRunner(name, tags = []) {
      const registration = await hub.createRunnerToken(admin);
      const registered = await hub.core.registerRunner(registration, name);
      if (!registered) throw new Error('registration refused');
      const messages: HubMessage[] = [];
      const waiting = new Set<() => void>();
      const received = async <T extends HubMessage['type']>(type: T, runId: string) => {
        const find = () =>
          messages.find((m) => m.type === type && 'runId' in m && m.runId === runId) as
            | Extract<HubMessage, { type: T }>
            | undefined;
        for (let tries = 0; tries < 100; tries++) {
          const found = find();
          if (found) return found;
          await new Promise<void>((resolve) => {
            waiting.add(resolve);
            setTimeout(resolve, 50);
          });
        }
        throw new Error(`no ${type} message about ${runId}`);
      };
      await hub.core.runnerConnected(
        {
          id: randomUUID(),
          runnerId: registered.runnerId,
          name,
          tags,
          slots: 4,
          protocol: PROTOCOL_VERSION,
          sandbox: { sandboxed: true },
          draining: false,
          send(message) {
            messages.push(message);
            for (const wake of waiting) wake();
            waiting.clear();
          },
        },
        [],
        '0.0.0-test',
      );
      return {
        runnerId: registered.runnerId,
        credential: registered.credential,
        received,
        async takeRun(runId) {
          const { epoch } = await received('offer', runId);
          await hub.core.accepted(registered.runnerId, runId, epoch);
          let seq = 0;
          const send = async (record: RunRecord) => {
            const outcome = await hub.core.records(registered.runnerId, runId, epoch, [record]);
            if ('stale' in outcome) throw new Error(outcome.reason);
          };
          return {
            epoch,
            start: () => send({ kind: 'start', seq: ++seq, at: Date.now() }),
            log: (node, text, stream = 'out') =>
              send({ kind: 'log', seq: ++seq, node, attempt: 1, chunk: { stream, at: Date.now(), text } }),
            input: (input) => send({ kind: 'input', seq: ++seq, input }),
          };
        },
      };
    },
    async close() {
      await app.close();
      await hub.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
