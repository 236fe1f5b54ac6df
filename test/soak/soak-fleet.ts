// The soak's fleet: a fresh PostgreSQL database behind a proxy, two hubs on it (each behind a proxy of its own
// for the runners), and four runners listing both hubs' proxies, half of them each hub first. Hubs and runners
// can be killed, frozen and restarted where they were (same port, same data and work dirs); every process gets
// FLOE_SOAK_ID in its environment, which is how the end of the soak finds any process left on the machine.
import { chmodSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../github-app/src/store/testing/test-database.js';
import {
  type HubProcess,
  makeGitRepo,
  makeTempDir,
  type RunnerProcess,
  startHub,
  startRunner,
} from '../support/index.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

export type FleetOptions = {
  soakId: string;
  /** FLOE.yaml of the repository the hubs serve. */
  flows: string;
  /** Where tasks leave their marks (OUT in their environment). */
  out: string;
  leaseMs: number;
  heartbeatMs: number;
  runners: number;
  slots: number;
  /** The work dir of each runner, by index, when not a fresh temp dir (the runner with a small disk). */
  workDirs?: Record<number, string>;
};

/** One hub: its current process (replaced when restarted), every output of its lives, the proxy before it. */
export type FleetHub = {
  name: string;
  proc: HubProcess;
  /** Output of its earlier lives (a killed hub's log is kept for the checks). */
  pastOutput: string[];
  proxy: TcpProxy;
  /** Set while it is killed or being restarted. */
  down: boolean;
  /** Set while SIGSTOPped. */
  frozen: boolean;
  /** When its current life started listening. */
  startedAt: number;
};

export type FleetRunner = {
  name: string;
  proc: RunnerProcess;
  pastOutput: string[];
  workDir: string;
  hubList: string;
  down: boolean;
  frozen: boolean;
};

export type Fleet = {
  database: TestDatabase;
  dbProxy: TcpProxy;
  hubs: FleetHub[];
  runners: FleetRunner[];
  /** Hubs and runners that exited without the soak killing or stopping them, with the end of their output. */
  unexpectedExits: string[];
  /** A hub that is up (running) and not frozen, for API calls; the first such one. */
  liveHub(): FleetHub | undefined;
  restartHub(hub: FleetHub): Promise<void>;
  restartRunner(runner: FleetRunner): void;
  /** Every log line of every life of every hub. */
  hubLogLines(): string[];
  /** Stops everything the fleet started (SIGCONT first, then SIGTERM, then SIGKILL), and the proxies. */
  stop(): Promise<void>;
  /** Resident memory of a process, in MB (VmRSS). */
  rssMb(pid: number): number | undefined;
};

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const repo = makeTempDir('floe-soak-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': options.flows });
  const database = await createTestDatabase();
  const dbUrl = new URL(database.url);
  const dbProxy = await startTcpProxy({ host: dbUrl.hostname, port: Number(dbUrl.port || 5432) });
  const env = { FLOE_SOAK_ID: options.soakId, FLOE_LOG_LEVEL: 'info' };
  const hubOptions = (dataDir?: string, port?: number) => ({
    repos: [repo],
    // A loaded 2-core machine can take long to start a hub: generous, and a hub too slow is killed, not doubled.
    listenTimeoutMs: 120_000,
    leaseMs: options.leaseMs,
    heartbeatMs: options.heartbeatMs,
    env,
    args: ['--database-url', dbProxy.via(database.url)],
    ...(dataDir ? { dataDir } : {}),
    ...(port ? { port } : {}),
  });

  // A process that dies by itself is a finding, not something to wait out: it is noted with its last words.
  const unexpectedExits: string[] = [];
  let stopping = false;
  const watch = (item: { name: string; proc: HubProcess | RunnerProcess; down: boolean }) => {
    const proc = item.proc;
    void proc.exited.then((code) => {
      if (stopping || item.down || item.proc !== proc) return;
      unexpectedExits.push(
        `${item.name} (pid ${proc.pid}) exited by itself with ${code}:\n${proc.output().slice(-2000)}`,
      );
    });
  };
  const hubs: FleetHub[] = [];
  for (const name of ['hub-a', 'hub-b']) {
    const proc = await startHub(hubOptions());
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: proc.port });
    const hub: FleetHub = { name, proc, pastOutput: [], proxy, down: false, frozen: false, startedAt: Date.now() };
    hubs.push(hub);
    watch(hub);
  }
  const hubUrl = (hub: FleetHub) => `http://127.0.0.1:${hub.proxy.port}`;
  const runners: FleetRunner[] = [];
  // The tasks leave their marks in OUT from their sandboxes, as the task user (docs/runners.md "Task sandboxes").
  for (const dir of [options.out, ...readdirSync(options.out).map((name) => join(options.out, name))])
    chmodSync(dir, 0o777);
  const sandboxArgs = ['--sandbox-bind', options.out];
  for (let i = 0; i < options.runners; i++) {
    const [first, second] = i % 2 === 0 ? [hubs[0], hubs[1]] : [hubs[1], hubs[0]];
    const hubList = `${hubUrl(first as FleetHub)},${hubUrl(second as FleetHub)}`;
    const workDir = options.workDirs?.[i] ?? makeTempDir('floe-soak-runner-');
    const name = `vm-${i + 1}`;
    const proc = startRunner({
      hub: hubList,
      token: await (first as FleetHub).proc.runnerToken(),
      name,
      slots: options.slots,
      workDir,
      env: { ...env, OUT: options.out },
      args: sandboxArgs,
    });
    const runner: FleetRunner = { name, proc, pastOutput: [], workDir, hubList, down: false, frozen: false };
    runners.push(runner);
    watch(runner);
  }
  await Promise.all(runners.map((runner) => runner.proc.waitForOutput('connected to the hub', 120_000)));

  const signal = (pid: number, name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // Gone already.
    }
  };

  return {
    database,
    dbProxy,
    hubs,
    runners,
    unexpectedExits,
    liveHub: () =>
      hubs.find(
        (hub) => !hub.down && !hub.frozen && hub.proc.child.exitCode === null && hub.proc.child.signalCode === null,
      ),
    async restartHub(hub) {
      hub.pastOutput.push(hub.proc.output());
      // The database may be cut just now: a hub that cannot open it exits, and is started again.
      for (let attempt = 1; ; attempt++) {
        try {
          hub.proc = await startHub(hubOptions(hub.proc.dataDir, hub.proc.port));
          break;
        } catch (err) {
          if (attempt >= 30) throw err;
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      }
      hub.startedAt = Date.now();
      hub.down = false;
      watch(hub);
    },
    restartRunner(runner) {
      runner.pastOutput.push(runner.proc.output());
      runner.proc = startRunner({
        hub: runner.hubList,
        name: runner.name,
        slots: options.slots,
        workDir: runner.workDir,
        env: { ...env, OUT: options.out },
        args: sandboxArgs,
      });
      runner.down = false;
      watch(runner);
    },
    hubLogLines: () =>
      hubs.flatMap((hub) => [...hub.pastOutput, hub.proc.output()]).flatMap((output) => output.split('\n')),
    async stop() {
      stopping = true;
      for (const item of [...hubs, ...runners]) signal(item.proc.pid, 'SIGCONT');
      await Promise.all(runners.map((runner) => runner.proc.stop(10_000)));
      await Promise.all(hubs.map((hub) => hub.proc.stop(10_000)));
      await Promise.all(hubs.map((hub) => hub.proxy.close()));
      await dbProxy.close();
    },
    rssMb(pid) {
      try {
        const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(join('/proc', String(pid), 'status'), 'utf8'))?.[1];
        return kb === undefined ? undefined : Number(kb) / 1024;
      } catch {
        return undefined;
      }
    },
  };
}
