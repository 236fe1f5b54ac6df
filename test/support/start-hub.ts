import { freePort } from './free-port.js';
import { type SpawnedProcess, spawnProcess } from './spawn-process.js';
import { makeTempDir } from './temp-dir.js';
import { HUB_MAIN } from './workspace-root.js';

export interface HubOptions {
  /** Database and admin token; default a new temp dir. Pass the same one to restart a hub with its data. */
  dataDir?: string;
  /** Repositories whose FLOE.yaml the hub serves (`--repo`). */
  repos?: string[];
  /** Default a free port below the ephemeral range (free-port.ts). Pass the previous hub's port to restart it where
   * its runners look for it. */
  port?: number;
  /** Short ones for tests (DESIGN §8 "CI shape"); default the hub's own. */
  leaseMs?: number;
  heartbeatMs?: number;
  adminToken?: string;
  /** How long it may take to listen; default 30 s. */
  listenTimeoutMs?: number;
  /** More flags and environment for floe-hub. */
  args?: string[];
  env?: Record<string, string>;
}

/** A `floe-hub` process a test started, with a small authenticated HTTP client for its API. */
export interface HubProcess extends SpawnedProcess {
  url: string;
  port: number;
  dataDir: string;
  adminToken: string;
  /** Calls the API with the admin token (JSON body when given); resolves with the response as is. */
  request(path: string, init?: { method?: string; body?: unknown; token?: string }): Promise<Response>;
  /** Like request, and parses the JSON answer; rejects on a status >= 400 with the hub's message. */
  json<T = unknown>(path: string, init?: { method?: string; body?: unknown; token?: string }): Promise<T>;
  /** A one-time runner registration token (POST /api/runners/tokens). */
  runnerToken(): Promise<string>;
}

export const TEST_ADMIN_TOKEN = 'floe-test-admin-token-0123456789';

/** Starts the built `floe-hub` and resolves once it listens (rejects with its output if it exits first). */
export async function startHub(options: HubOptions = {}): Promise<HubProcess> {
  const dataDir = options.dataDir ?? makeTempDir('floe-hub-');
  const adminToken = options.adminToken ?? TEST_ADMIN_TOKEN;
  const port = options.port ?? (await freePort());
  const args = [HUB_MAIN, '--port', String(port), '--data-dir', dataDir, '--admin-token', adminToken];
  for (const repo of options.repos ?? []) args.push('--repo', repo);
  if (options.leaseMs !== undefined) args.push('--lease-ms', String(options.leaseMs));
  if (options.heartbeatMs !== undefined) args.push('--heartbeat-ms', String(options.heartbeatMs));
  args.push(...(options.args ?? []));
  const hub = spawnProcess(process.execPath, args, { env: { FLOE_LOG_LEVEL: 'info', ...options.env } });
  const listening = hub.waitForOutput(/floe hub at (http:\/\/\S+)/, options.listenTimeoutMs ?? 30_000);
  const exitedFirst = hub.exited.then((code) => {
    throw new Error(`floe-hub exited ${code} before listening:\n${hub.output()}`);
  });
  let output: string;
  try {
    output = await Promise.race([listening, exitedFirst]);
  } catch (err) {
    // A hub too slow to listen is not left running: it would hold the port a retry wants.
    await hub.kill();
    // The free port it was given was taken meanwhile (another test's hub): another one.
    if (options.port === undefined && hub.output().includes('is in use')) return startHub({ ...options, dataDir });
    throw err;
  }
  const url = /floe hub at (http:\/\/\S+)/.exec(output)?.[1] as string;
  const request = (path: string, init: { method?: string; body?: unknown; token?: string } = {}) =>
    fetch(new URL(path, url), {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        authorization: `Bearer ${init.token ?? adminToken}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  const json = async <T>(path: string, init?: { method?: string; body?: unknown; token?: string }) => {
    const response = await request(path, init);
    const text = await response.text();
    if (response.status >= 400) {
      const method = init?.method ?? (init?.body === undefined ? 'GET' : 'POST');
      throw new Error(`${method} ${path}: ${response.status} ${text}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  };
  return Object.assign(hub, {
    url,
    port: Number(new URL(url).port),
    dataDir,
    adminToken,
    request,
    json,
    runnerToken: async () => (await json<{ token: string }>('/api/runners/tokens', { body: {} })).token,
  });
}
