// Test helper (not exported): a hub on a real SQLite file and a real git repository, with short timings, and
// runners played through HubCore as the gateway would.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { type CreateHubOptions, createHub, type Hub } from '../hub.js';
import type { HubTiming } from '../runs/hub-deps.js';
import { FakeRunner } from './fake-runner.js';
import { makeRepo, type TestRepo, tempDir } from './test-repo.js';

export const ADMIN = { name: 'ann', role: 'admin' as const };

export type TestHub = {
  hub: Hub;
  repo: TestRepo;
  dataDir: string;
  /** Every log line the hub wrote, parsed. */
  logs: Record<string, unknown>[];
  connect(name: string, tags?: string[], slots?: number): Promise<FakeRunner>;
  /** A run of `flowId` (default `deploy`) started, offered to a new runner `vm-1` and accepted. */
  activeRun(flowId?: string): Promise<{ runner: FakeRunner; runId: string; offer: { epoch: number } }>;
  close(): Promise<void>;
};

export async function startTestHub(
  files: Record<string, string>,
  options: { timing?: Partial<HubTiming>; hub?: Partial<CreateHubOptions>; dataDir?: string } = {},
): Promise<TestHub> {
  const tmp = tempDir('floe-hub-');
  const repo = makeRepo(tmp.dir, 'acme', files);
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const dataDir = options.dataDir ?? `${tmp.dir}/data`;
  const hub = await createHub({
    dataDir,
    log: pino({ level: 'debug' }, sink),
    repos: [{ name: 'acme', url: repo.path }],
    timing: {
      heartbeatMs: 50,
      leaseMs: 5_000,
      offerTimeoutMs: 5_000,
      leaseCheckMs: 25,
      sweepMs: 60_000,
      stopGraceMs: 100,
      minTriggerPeriodMs: 10,
      ...options.timing,
    },
    ...options.hub,
  });
  const connect: TestHub['connect'] = async (name, tags = [], slots = 1) => {
    const token = await hub.createRunnerToken(ADMIN);
    const registered = await hub.core.registerRunner(token, name);
    if (!registered) throw new Error('registration refused');
    const runner = new FakeRunner(registered.runnerId, name, tags, slots);
    await hub.core.runnerConnected(runner, [], 'test');
    return runner;
  };
  return {
    hub,
    repo,
    dataDir,
    logs,
    connect,
    async activeRun(flowId = 'deploy') {
      const runner = await connect('vm-1');
      const runId = await hub.startRun(flowId, {}, ADMIN);
      const offer = await runner.next('offer', (message) => message.runId === runId);
      await hub.core.accepted(runner.runnerId, runId, offer.epoch);
      return { runner, runId, offer };
    },
    async close() {
      await hub.close();
      tmp.cleanup();
    },
  };
}

/** Waits until `check` returns a value other than undefined/false, polling every 10 ms. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 3_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
