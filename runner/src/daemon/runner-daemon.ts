// The runner daemon (DESIGN §5; the protocol's lifecycle is told at the top of
// shared/src/protocol/runner-protocol.ts): holds a connection to the hub, accepts runs while it has free slots,
// drives each with the run driver, spools every record before sending it, and resends what the hub has not
// acknowledged after every reconnect. The hub may come and go: runs keep running and records pile up in the
// spool meanwhile. Only a rejected credential (or protocol) ends the daemon on its own.
//
// This file only wires the parts together; each is a module of its own (runner/README.md lists them).
import { createHash, randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { type HubMessage, SINCE_PROTOCOL } from '@floe/shared';
import type { Logger } from 'pino';
import { LocalCacheStore } from '../cache/local-cache-store.js';
import { HubFailure } from '../connection/hub-failure.js';
import type { HubSession } from '../connection/open-hub-session.js';
import { runBaseEnv } from '../execution/run-base-env.js';
import { SpareSandboxes } from '../process/spare-sandboxes.js';
import { setCgroupOwner } from '../process/task-cgroup.js';
import { probeTaskSandbox, type SandboxProbe } from '../process/task-sandbox.js';
import { keepWarmShells } from '../process/warm-shell.js';
import { SpoolReserve } from '../spool/spool-reserve.js';
import { sweepWorkspaces } from '../workspace/sweep-workspaces.js';
import type { CredentialFile } from './credential-file.js';
import { EXIT_CONFIG } from './exit-status.js';
import { HeldRuns } from './held-runs.js';
import { HubConnection, RUNNER_VERSION } from './hub-connection.js';
import { RUN_MARK } from './kill-leftovers.js';
import { RecordPump } from './record-pump.js';
import { recoverPreviousLife } from './recover-previous-life.js';
import { RunOffers } from './run-offers.js';
import type { RunnerConfig } from './runner-config.js';
import { Shutdown } from './shutdown.js';
import { taskBaseEnv } from './task-base-env.js';
import { lockWorkDir } from './work-dir-lock.js';

export { EXIT_CONFIG } from './exit-status.js';
export { RUNNER_VERSION } from './hub-connection.js';

export interface RunnerDaemonOptions {
  config: RunnerConfig;
  logger: Logger;
  /** The environment tasks start from; default this process's, without the runner's own FLOE_* settings. */
  baseEnv?: Record<string, string>;
  /** Take one run, then drain and exit (an ephemeral runner); default false. */
  once?: boolean;
  /** How long, when stopping, to wait for the hub to acknowledge the last records; default 5 s. */
  drainMs?: number;
}

export interface RunnerDaemon {
  /** Resolves with the exit status: 0 after stop(), EXIT_CONFIG when the hub refuses this runner for good. */
  readonly done: Promise<number>;
  /** Stops: cancels running runs (the kill ladder), sends their last records, closes. A second call kills at once. */
  stop(): void;
  /** Takes no new runs, lets the running ones finish, then stops (SIGQUIT; what `once` does after its run). */
  drain(): void;
}

/** Starts the daemon; it runs until stop() or a final refusal. */
export function startRunnerDaemon(options: RunnerDaemonOptions): RunnerDaemon {
  const { config, logger } = options;
  const spoolRoot = join(config.workDir, 'spool');
  const baseEnv = options.baseEnv ?? taskBaseEnv(process.env);
  /** This life of the runner: the first part of every acceptance mark, and the mark of its warm shells. */
  const instance = randomBytes(6).toString('hex');
  // The task cgroups of this runner's lives are told apart from other runners' on this machine by its work dir.
  setCgroupOwner(`r${createHash('sha256').update(resolve(config.workDir)).digest('hex').slice(0, 12)}`);
  const runs = new HeldRuns();
  const reserve = new SpoolReserve(spoolRoot, Math.round(config.spoolReserveMb * 1024 * 1024));
  const stopAll = new AbortController();
  const shutdown = new Shutdown(runs, logger);
  const pump = new RecordPump({
    runs,
    reserve,
    batchMs: config.batch,
    batchBytes: config.batchBytes,
    session: () => connection.session,
  });
  const offers = new RunOffers({
    config,
    logger,
    runs,
    pump,
    reserve,
    spoolRoot,
    instance,
    baseEnv,
    ...(config.cacheMaxMb > 0
      ? { caches: new LocalCacheStore(join(config.workDir, 'cache', 'tasks'), Math.round(config.cacheMaxMb * 2 ** 20)) }
      : {}),
    session: () => connection.session,
    endpoint: () => connection.endpoint(),
    refusal: () => shutdown.refusal(),
    onAccepted: () => {
      if (options.once) drain();
    },
    onDriverEnded: () => shutdown.runEnded(),
  });

  const handle = (message: HubMessage, current: HubSession) => {
    switch (message.type) {
      case 'offer':
        return offers.offer(message, current);
      case 'accepted':
        return runs.accepted(message.runId, message.epoch);
      case 'ack':
        runs.acked(message.runId, message.seq);
        // Acknowledged records make room for more in flight (record-pump.ts).
        return pump.sendMoreIfWaiting();
      case 'cancel':
        return runs.cancel(message.runId, message.epoch, message.by);
      case 'data':
        return runs.data(message.runId, message.epoch, message);
      case 'stop':
        return runs.stopAt(message.runId, message.epoch, message.reason);
      case 'drain':
        shutdown.hubDrained(message.drained, config.exitWhenDrained);
        // With --exit-when-drained it is now on its way out: an undrain must not bring offers back to it.
        return sayDraining(current);
      case 'error':
        logger.warn({ code: message.code, reason: message.message }, 'the hub could not take a message');
        if (message.code === 'internal') pump.resendUnacknowledged();
        return;
      case 'heartbeat':
      case 'welcome':
      case 'refused':
        return;
    }
  };

  // A runner that drains tells its hub (protocol version 2), which then offers it nothing rather than offers it
  // would decline; said again on every new session, as the runner may have moved to another hub meanwhile.
  const sayDraining = (session: HubSession | undefined) => {
    if (shutdown.draining && session && session.welcome.protocol >= SINCE_PROTOCOL.drain)
      session.send({ type: 'draining' });
  };
  const drain = () => {
    shutdown.drain();
    sayDraining(connection.session);
  };

  const connection: HubConnection = new HubConnection({
    config,
    logger,
    signal: stopAll.signal,
    stopping: () => shutdown.stopping,
    hello: () => ({ sandbox: helloSandbox(offers.sandbox), runs: runs.forHello() }),
    heldRuns: () => runs.forHeartbeat(),
    metrics: () => {
      const cpu = process.cpuUsage();
      return { ...runs.forMetrics(), rssBytes: process.memoryUsage.rss(), cpuSeconds: (cpu.user + cpu.system) / 1e6 };
    },
    onWelcome: (current) => {
      runs.resume(current.welcome.runs);
      current.onWritten(() => pump.sendMoreIfWaiting());
      logger.info({ runnerId: current.welcome.runnerId, held: runs.size }, 'connected to the hub');
      pump.send();
      for (const run of runs.values()) runs.forgetIfDelivered(run);
      sayDraining(current);
    },
    onMessage: handle,
    // A hub silent past the lease counts this runner's runs lost (held-runs.ts).
    onSilentPastLease: (silentMs) => runs.fence(silentMs),
  });

  // Retention: run workspaces untouched for a week go (workspace/sweep-workspaces.ts), at start and then daily.
  const sweepOldWorkspaces = () => {
    const removed = sweepWorkspaces(config.workDir, { now: Date.now(), activeRunIds: runs.ids() });
    if (removed.length > 0) logger.info({ removed }, 'removed old run workspaces');
  };
  const workspaceSweep = setInterval(sweepOldWorkspaces, 24 * 60 * 60 * 1000);
  workspaceSweep.unref();

  const done = (async (): Promise<number> => {
    const lock = lockWorkDir(config.workDir);
    if ('heldBy' in lock) {
      logger.error(
        { pid: lock.heldBy, workDir: config.workDir },
        `another runner (pid ${lock.heldBy}) uses this work directory; stop it or give --work-dir`,
      );
      return EXIT_CONFIG;
    }
    logger.info(
      { name: config.name, tags: config.tags, slots: config.slots, workDir: config.workDir, version: RUNNER_VERSION },
      'runner starting',
    );
    try {
      // Before anything else, and before hello: what a crashed previous life left running dies now.
      for (const run of await recoverPreviousLife({ spoolRoot, runnerName: config.name, logger, reserve }))
        runs.add(run);
      if (!reserve.make())
        logger.warn({ workDir: config.workDir }, "no room for the spool's reserve; declining runs until there is");
      const sandbox = probeSandbox(config, baseEnv, logger);
      if (!sandbox) return EXIT_CONFIG;
      offers.sandbox = sandbox;
      // A sandboxed runner keeps its warm shells in each run's sandbox (warm-shell.ts), none outside, and a
      // sandbox of each kind of run it has taken ready before the next offer (spare-sandboxes.ts).
      const shellEnv = { ...baseEnv, [RUN_MARK]: instance };
      keepWarmShells(Math.min(config.slots, 4), shellEnv, sandbox.ok);
      if (sandbox.ok) {
        const { sandbox: boxed } = sandbox;
        offers.spares = new SpareSandboxes({
          sandbox: boxed,
          workDir: config.workDir,
          shellEnv: (kind, home) => runBaseEnv(shellEnv, { untrusted: !kind.trusted, home, sandbox: boxed }),
        });
      }
      sweepOldWorkspaces();
      let saved: CredentialFile;
      try {
        saved = await connection.credential();
      } catch (err) {
        if (shutdown.stopping) return 0;
        if (err instanceof HubFailure && !err.retryable) return connection.refusedForGood(err);
        throw err;
      }
      const loop = connection.loop(saved);
      const exit = await Promise.race([loop, shutdown.requested.then(() => undefined)]);
      if (exit !== undefined) {
        // Refused for good: runs cannot report anywhere, so they stop at once (their spools stay for later).
        shutdown.abandon();
        await until(() => runs.running() === 0, config.killGrace + 5_000);
        return exit;
      }
      // The kill ladder of cancelled runs, then a moment for the hub to acknowledge the last records (whatever it
      // has not acknowledged stays spooled and is sent by the next start).
      await until(() => runs.running() === 0 || shutdown.hurry, config.killGrace + 5_000);
      pump.flushWrites();
      pump.send();
      await until(() => shutdown.hurry || runs.allDrained(), options.drainMs ?? 5_000);
      stopAll.abort();
      connection.close();
      await loop.catch(() => 0);
      return 0;
    } finally {
      pump.close();
      connection.dispose();
      clearInterval(workspaceSweep);
      runs.closeSpools();
      await offers.spares?.close();
      keepWarmShells(0);
      lock.release();
    }
  })();

  return { done, stop: () => shutdown.stop(), drain };
}

/** Probes the task sandbox (unless --sandbox off) and logs what tasks run in; undefined when --sandbox on cannot
 * be honoured and the runner must not start. */
function probeSandbox(config: RunnerConfig, baseEnv: Record<string, string>, logger: Logger): SandboxProbe | undefined {
  const sandbox: SandboxProbe =
    config.sandbox === 'off'
      ? { ok: false, reason: 'the runner was started with --sandbox off' }
      : probeTaskSandbox({
          workDir: config.workDir,
          taskUser: config.taskUser,
          binds: config.sandboxBind,
          path: baseEnv.PATH ?? '',
        });
  if (sandbox.ok) {
    const { user, binds } = sandbox.sandbox;
    logger.info({ taskUser: user?.name ?? 'the runner user', binds }, 'tasks run in a sandbox');
  } else if (config.sandbox === 'on') {
    logger.error({ reason: sandbox.reason }, 'cannot sandbox tasks (--sandbox on); not starting');
    return undefined;
  } else {
    logger.warn(
      { reason: sandbox.reason },
      'tasks run without a sandbox, as the runner user; the hub offers this runner no untrusted runs',
    );
  }
  return sandbox;
}

/** What hello says of the sandbox: the hub offers untrusted runs only to a sandboxed runner. */
function helloSandbox(sandbox: SandboxProbe) {
  return sandbox.ok ? { sandboxed: true as const } : { sandboxed: false as const, reason: sandbox.reason };
}

async function until(condition: () => boolean, ms: number): Promise<void> {
  for (const deadline = Date.now() + ms; !condition() && Date.now() < deadline; ) await sleep(50);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
