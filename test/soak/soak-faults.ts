// The faults the soak injects, each undone before it resolves (a killed process is restarted, a frozen one
// continued, a cut link opened again), so the fleet always comes back whole. Which fault, where and for how long
// is drawn from the seeded random; two lanes inject at once, so faults overlap (a hub dies while a runner is
// reconnecting and the database is slow), but at most one hub is down or frozen at a time.
import type { SeededRandom } from './seeded-random.js';
import type { Fleet, FleetHub, FleetRunner } from './soak-fleet.js';

export const FAULT_KINDS = [
  'runner-kill',
  'runner-freeze',
  'hub-kill',
  'hub-freeze',
  'db-cut',
  'db-stall',
  'db-delay',
  'link-cut',
  'link-stall',
  'link-half-close',
  'link-delay',
  'disk-full',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type FaultLog = { kind: FaultKind; target: string; ms: number; at: number }[];

export type FaultOptions = {
  fleet: Fleet;
  random: SeededRandom;
  /** The longest a process stays frozen or a link is cut (ms); below the lease. */
  maxOutageMs: number;
  /** The longest the database is cut (ms): beyond the lease too, as a restart or a failover can be. */
  maxDatabaseCutMs: number;
  /** Fills the small disk of the runner that has one, and empties it again after `ms`; absent: no disk faults. */
  fillDisk?: (ms: number) => Promise<void>;
  log: FaultLog;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone already.
  }
}

/** Injects one fault and undoes it; resolves once the fleet is whole again. */
export async function injectFault(options: FaultOptions): Promise<void> {
  const { fleet, random, log } = options;
  const kinds = FAULT_KINDS.filter((kind) => kind !== 'disk-full' || options.fillDisk !== undefined);
  const kind = random.pick(kinds);
  const ms = random.int(500, options.maxOutageMs);
  const idleRunners = fleet.runners.filter((runner) => !runner.down && !runner.frozen);
  const calmHubs = fleet.hubs.every((hub) => !hub.down && !hub.frozen) ? fleet.hubs : [];
  const record = (target: string) => log.push({ kind, target, ms, at: Date.now() });

  switch (kind) {
    case 'runner-kill': {
      const runner = idleRunners.length > 0 ? random.pick(idleRunners) : undefined;
      if (!runner) return;
      record(runner.name);
      runner.down = true;
      await runner.proc.kill();
      await sleep(Math.min(ms, 3_000));
      fleet.restartRunner(runner);
      return;
    }
    case 'runner-freeze': {
      const runner: FleetRunner | undefined = idleRunners.length > 0 ? random.pick(idleRunners) : undefined;
      if (!runner) return;
      record(runner.name);
      runner.frozen = true;
      signal(runner.proc.pid, 'SIGSTOP');
      await sleep(ms);
      signal(runner.proc.pid, 'SIGCONT');
      runner.frozen = false;
      return;
    }
    case 'hub-kill': {
      const hub: FleetHub | undefined = calmHubs.length > 0 ? random.pick(calmHubs) : undefined;
      if (!hub) return;
      record(hub.name);
      hub.down = true;
      await hub.proc.kill();
      await sleep(Math.min(ms, 3_000));
      await fleet.restartHub(hub);
      return;
    }
    case 'hub-freeze': {
      const hub: FleetHub | undefined = calmHubs.length > 0 ? random.pick(calmHubs) : undefined;
      if (!hub) return;
      record(hub.name);
      hub.frozen = true;
      signal(hub.proc.pid, 'SIGSTOP');
      await sleep(ms);
      signal(hub.proc.pid, 'SIGCONT');
      hub.frozen = false;
      return;
    }
    case 'db-cut':
    case 'db-stall': {
      if (fleet.dbProxy.mode !== 'open') return;
      record('database');
      fleet.dbProxy.set(kind === 'db-cut' ? 'cut' : 'stall');
      await sleep(kind === 'db-cut' ? random.int(1_000, options.maxDatabaseCutMs) : Math.min(ms, 3_000));
      fleet.dbProxy.set('open');
      return;
    }
    case 'db-delay': {
      record('database');
      fleet.dbProxy.delay(random.int(5, 50));
      await sleep(ms);
      fleet.dbProxy.delay(0);
      return;
    }
    case 'link-cut':
    case 'link-stall':
    case 'link-half-close':
    case 'link-delay': {
      const hub = random.pick(fleet.hubs);
      if (hub.proxy.mode !== 'open') return;
      record(`runners→${hub.name}`);
      if (kind === 'link-half-close') {
        hub.proxy.halfClose();
        return;
      }
      if (kind === 'link-delay') {
        hub.proxy.delay(random.int(5, 100));
        await sleep(ms);
        hub.proxy.delay(0);
        return;
      }
      hub.proxy.set(kind === 'link-cut' ? 'cut' : 'stall');
      await sleep(kind === 'link-cut' ? ms : Math.min(ms, 3_000));
      hub.proxy.set('open');
      return;
    }
    case 'disk-full': {
      record('vm-4 work dir');
      await options.fillDisk?.(ms);
      return;
    }
  }
}
