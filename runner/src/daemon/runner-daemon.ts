// The runner daemon (DESIGN §5; the protocol's lifecycle is told at the top of
// shared/src/protocol/runner-protocol.ts): holds a connection to the hub, accepts runs while it has free slots,
// drives each with the run driver, spools every record before sending it, and resends what the hub has not
// acknowledged after every reconnect. The hub may come and go: runs keep running and records pile up in the
// spool meanwhile. Only a rejected credential (or protocol) ends the daemon on its own.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type HubMessage, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, type RunRecord, type RunSpec } from '@floe/shared';
import type { Logger } from 'pino';
import { createBackoff } from '@floe/shared';
import { HubFailure } from '../connection/hub-failure.js';
import { splitHubUrls } from '../connection/hub-urls.js';
import { type HubSession, openHubSession } from '../connection/open-hub-session.js';
import { registerRunner } from '../connection/register-runner.js';
import { retry } from '../connection/retry.js';
import { driveRun, type RunDriver } from '../execution/drive-run.js';
import { endDeadCgroupLives, setCgroupOwner } from '../process/task-cgroup.js';
import { probeTaskSandbox, type SandboxProbe } from '../process/task-sandbox.js';
import { keepWarmShells } from '../process/warm-shell.js';
import { RunSpool } from '../spool/run-spool.js';
import { SpoolReserve } from '../spool/spool-reserve.js';
import { sweepWorkspaces } from '../workspace/sweep-workspaces.js';
import { type CredentialFile, loadCredential, saveCredential } from './credential-file.js';
import { acceptanceMark, killLeftovers, RUN_MARK } from './kill-leftovers.js';
import { RUNNER_ENV, type RunnerConfig } from './runner-config.js';
import { lockWorkDir } from './work-dir-lock.js';

/** Exit status for what only a person can fix (a rejected credential or token, a bad config): EX_CONFIG. The
 * systemd unit lists it in RestartPreventExitStatus, so the service does not restart into the same refusal. */
export const EXIT_CONFIG = 78;

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

/** One run this runner holds, from offer to the hub's last acknowledgement. */
interface HeldRun {
  runId: string;
  epoch: number;
  spool: RunSpool;
  driver?: RunDriver;
  /** The driver is still working: the run takes a slot. */
  running: boolean;
  /**
   * Opens the gate of its tasks: true once the hub has stored the `start` record (the run is this runner's),
   * false when the hub says it is not. Absent once opened, and for runs of a previous life.
   */
  open?: (mine: boolean) => void;
  /** Records from the driver not yet written to the spool (written once per tick). */
  pending: RunRecord[];
  /** The highest seq sent on the current connection. */
  sentSeq: number;
  /** The last spool write failed (a full disk); records wait in `pending`. */
  spoolFailing?: boolean;
  /** The flow says `requeue-lost`: once the hub counts the run lost, another runner may start it again. */
  requeueLost?: boolean;
  /** Cancelled because the hub has been silent past the lease (it counts the run lost). */
  fenced?: boolean;
  log: Logger;
}

/** Above this many bytes queued in the socket, records wait in the spool (back-pressure). */
const SEND_HIGH_WATER = 4 * 1024 * 1024;

export const RUNNER_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Starts the daemon; it runs until stop() or a final refusal. */
export function startRunnerDaemon(options: RunnerDaemonOptions): RunnerDaemon {
  const { config, logger } = options;
  const spoolRoot = join(config.workDir, 'spool');
  const baseEnv = options.baseEnv ?? taskBaseEnv(process.env);
  /** Probed once at start (process/task-sandbox.ts); told to the hub in hello. */
  let sandbox: SandboxProbe = { ok: false, reason: 'the runner was started with --sandbox off' };
  /** This life of the runner: the first part of every acceptance mark, and the mark of its warm shells. */
  const instance = randomBytes(6).toString('hex');
  // The task cgroups of this runner's lives are told apart from other runners' on this machine by its work dir.
  setCgroupOwner(`r${createHash('sha256').update(resolve(config.workDir)).digest('hex').slice(0, 12)}`);
  const runs = new Map<string, HeldRun>();
  const reserve = new SpoolReserve(spoolRoot, Math.round(config.spoolReserveMb * 1024 * 1024));
  const stopAll = new AbortController();
  let session: HubSession | undefined;
  let stopping = false;
  let draining = false;
  let writeScheduled = false;
  let sendTimer: NodeJS.Timeout | undefined;
  /** When a record frame last went out: a batch window opens there, so a lone line goes at once, a burst waits. */
  let sentAt = 0;
  let resendTimer: NodeJS.Timeout | undefined;
  let retryWrites: NodeJS.Timeout | undefined;
  /** The last message from the hub, and the lease it gave: the runner's view of whether its runs are still its. */
  let lastContact = Date.now();
  let lease: { leaseMs: number; heartbeatMs: number } | undefined;

  // ---- records: driver → spool → hub ------------------------------------------------------------------------

  const onRecord = (run: HeldRun, record: RunRecord) => {
    if (runs.get(run.runId) !== run) return; // stopped by the hub: nothing more about it is kept or sent
    run.pending.push(record);
    if (!writeScheduled) {
      writeScheduled = true;
      setImmediate(flushWrites);
    }
  };

  // One write per run per tick, and always before the records can be sent.
  const flushWrites = () => {
    writeScheduled = false;
    let urgent = false;
    for (const run of runs.values()) {
      if (run.pending.length === 0) continue;
      try {
        appendKeepingReserve(run);
        run.pending = [];
        run.spoolFailing = false;
      } catch (err) {
        // Records are never sent before they are spooled: they wait in memory, in order, until the disk takes them.
        if (!run.spoolFailing) run.log.error({ err }, 'cannot write the spool; holding records in memory');
        run.spoolFailing = true;
        retryWrites ??= setTimeout(() => {
          retryWrites = undefined;
          flushWrites();
        }, 1_000);
        continue;
      }
      if (run.spool.bytesAfter(run.sentSeq) >= config.batchBytes) urgent = true;
    }
    const idleFor = Date.now() - sentAt;
    if (urgent || (sendTimer === undefined && idleFor >= config.batch)) send();
    else sendTimer ??= setTimeout(send, Math.max(0, config.batch - idleFor));
  };

  /** Appends the run's pending records; when the disk is full, gives up the spool's reserve and tries again. */
  const appendKeepingReserve = (run: HeldRun) => {
    try {
      run.spool.append(run.pending);
    } catch (err) {
      if (!reserve.release()) throw err;
      run.log.warn({ err }, "the runner's disk is full; its spool reserve goes to the runs it holds");
      run.spool.append(run.pending);
    }
  };

  // Sends what is spooled and not yet sent, in batches of at most batchBytes, while the socket keeps up.
  const send = () => {
    clearTimeout(sendTimer);
    sendTimer = undefined;
    const current = session;
    if (!current) return;
    for (const run of runs.values()) {
      while (current.bufferedAmount < SEND_HIGH_WATER) {
        const batch = run.spool.read(run.sentSeq + 1, config.batchBytes);
        if (!batch) break;
        const frame = `{"type":"record","runId":${JSON.stringify(run.runId)},"epoch":${run.epoch},"records":[${batch.lines.join(',')}]}`;
        if (!current.send(frame)) return;
        run.sentSeq = batch.lastSeq;
        sentAt = Date.now();
      }
    }
  };
  const sendMoreIfWaiting = () => {
    if (sendTimer || !session || session.bufferedAmount >= SEND_HIGH_WATER) return;
    for (const run of runs.values()) {
      if (run.sentSeq < run.spool.lastSeq) {
        sendTimer = setTimeout(send, 0);
        return;
      }
    }
  };

  /** A run whose processes are gone and whose every record the hub has stored is forgotten. */
  const forgetIfDelivered = (run: HeldRun) => {
    if (run.running || run.pending.length > 0 || !run.spool.meta.finished || !run.spool.drained) return;
    if (runs.get(run.runId) !== run) return;
    run.spool.drop();
    runs.delete(run.runId);
    run.log.info('run delivered');
  };

  // ---- runs ---------------------------------------------------------------------------------------------------

  /** Each run's driver until it has ended and cleaned up after itself, by run id. */
  const ending = new Map<string, Promise<void>>();
  const activeRuns = () => [...runs.values()].filter((run) => run.running).length;
  // A run holds a slot until its engine has ended it, which is once its tasks have stopped: the hub frees the
  // slot at that same record, so an offer it makes then finds the slot free here too (not only once the driver
  // has also released the workspace).
  const slotsTaken = () => [...runs.values()].filter((run) => run.running && !run.driver?.ended).length;

  const offer = (message: Extract<HubMessage, { type: 'offer' }>, current: HubSession) => {
    const { runId, epoch } = message;
    const decline = (reason: string) => current.send({ type: 'decline', runId, epoch, reason });
    const held = runs.get(runId);
    if (held && held.epoch === epoch) return current.send({ type: 'accept', runId, epoch });
    if (held && held.epoch > epoch) return decline(`this runner holds the run at a newer epoch ${held.epoch}`);
    if (held) stopRun(held, `offered again at epoch ${epoch}`);
    // The earlier attempt's driver removes the run's workspace, home and tmp as it ends, and they are the new
    // attempt's too: the hub offers again shortly (the soak found tasks that could not start for this).
    if (ending.has(runId)) return decline('an earlier attempt of this run is still ending here');
    if (stopping) return decline('the runner is stopping');
    if (draining) return decline('the runner is draining');
    if (slotsTaken() >= config.slots) return decline('no free slot');
    // A full disk: the runs held keep the room there is; new ones wait for another runner, or for room here.
    const room = reserve.readyForNewRun();
    if (room !== true) return decline(room);
    // The hub does not offer these to a runner without a sandbox; a hub older than the sandbox might.
    if (!sandbox.ok && message.run.trust !== 'trusted')
      return decline('this runner runs no untrusted code: no sandbox');
    let spool: RunSpool;
    // A mark unique to this acceptance, in every task's environment: what a restart after a crash kills.
    const mark = acceptanceMark(instance, runId, epoch);
    try {
      spool = RunSpool.create(spoolRoot, { runId, epoch, acceptedAt: Date.now(), mark });
    } catch (err) {
      logger.error({ err, runId }, 'cannot make the spool of a run');
      return decline(`the runner cannot write its spool: ${(err as Error).message}`);
    }
    let open: (mine: boolean) => void = () => undefined;
    const gate = new Promise<boolean>((resolve) => {
      open = resolve;
    });
    const run: HeldRun = {
      runId,
      epoch,
      spool,
      open,
      running: true,
      pending: [],
      sentSeq: 0,
      requeueLost: message.run.flow['requeue-lost'] === true,
      log: logger.child({ runId, epoch }),
    };
    runs.set(runId, run);
    // Prepared before the accept goes out (its workspace, its `start` record, sent after the accept); its tasks
    // start once the hub has stored the start: an accept the hub could not store (its database away, the socket
    // cut) may see the run offered to another runner, and then it never ran here (DESIGN §5 "Offers and epochs").
    if (!drive(run, message.run, gate)) return;
    current.send({ type: 'accept', runId, epoch });
    run.log.info({ flow: message.run.flow.id, number: message.run.number }, 'run accepted');
    if (options.once) drain();
  };

  /** Starts the run's driver; false (and the run declined) when it cannot start. */
  const drive = (run: HeldRun, spec: RunSpec, startWhen: Promise<boolean>): boolean => {
    let driver: RunDriver;
    try {
      driver = driveRun({
        spec,
        startWhen,
        workDir: config.workDir,
        baseEnv: { ...baseEnv, [RUN_MARK]: run.spool.meta.mark },
        ...(sandbox.ok ? { sandbox: sandbox.sandbox } : {}),
        killGraceMs: config.killGrace,
        onRecord: (record) => onRecord(run, record),
      });
    } catch (err) {
      run.log.error({ err }, 'run could not start');
      session?.send({ type: 'decline', runId: run.runId, epoch: run.epoch, reason: 'the runner could not start it' });
      run.spool.drop();
      runs.delete(run.runId);
      return false;
    }
    run.driver = driver;
    const ended = driver.done.then(
      () => undefined,
      () => undefined,
    );
    ending.set(run.runId, ended);
    void ended.then(() => {
      if (ending.get(run.runId) === ended) ending.delete(run.runId);
    });
    driver.done
      .then(
        (state) => run.log.info({ result: state.ended?.result, reason: state.ended?.reason }, 'run finished'),
        (err: unknown) => run.log.error({ err }, 'run could not start'),
      )
      .finally(() => {
        run.running = false;
        if (draining && !stopping && activeRuns() === 0) setImmediate(stop);
        if (runs.get(run.runId) !== run) return;
        flushWrites();
        if (run.spool.lastSeq === 0 && run.pending.length === 0) {
          // Nothing happened (its workspace could not be made): give the run back instead of holding it.
          session?.send({
            type: 'decline',
            runId: run.runId,
            epoch: run.epoch,
            reason: 'the runner could not start it',
          });
          run.spool.drop();
          runs.delete(run.runId);
          return;
        }
        try {
          run.spool.markFinished();
        } catch (err) {
          run.log.error({ err }, 'cannot mark the spool finished');
        }
        send();
        forgetIfDelivered(run);
      });
    return true;
  };

  /** SIGKILLs every process of the run: its tasks' groups (a warm shell's leader carries only its execution id),
   * then whatever carries this acceptance's mark. */
  const killRun = (run: HeldRun) => {
    run.driver?.kill();
    killLeftovers(run.spool.meta.mark);
  };

  /** The run is no longer this runner's: kill it at once, drop its spool, say nothing more about it. */
  const stopRun = (run: HeldRun, reason: string) => {
    runs.delete(run.runId);
    openGate(run, false);
    run.log.info({ reason }, 'run stopped by the hub');
    // Kill by this acceptance's mark, not by run id: after a re-queue another runner on this machine may hold the
    // same run, and its processes carry the same FLOE_RUN_ID.
    if (run.running) run.driver?.cancel('hub');
    killRun(run);
    run.spool.drop();
  };

  /** The hub has stored the run's start (true), or says the run is not this runner's (false). */
  const openGate = (run: HeldRun, mine: boolean) => {
    const open = run.open;
    if (!open) return;
    run.open = undefined;
    open(mine);
  };

  const handle = (message: HubMessage, current: HubSession) => {
    lastContact = Date.now();
    switch (message.type) {
      case 'offer':
        return offer(message, current);
      case 'ack': {
        const run = runs.get(message.runId);
        if (!run) return;
        run.spool.ack(message.seq);
        if (message.seq >= 1) openGate(run, true);
        return forgetIfDelivered(run);
      }
      case 'cancel': {
        const run = runs.get(message.runId);
        if (run?.epoch === message.epoch) run.driver?.cancel(message.by);
        return;
      }
      case 'data': {
        const run = runs.get(message.runId);
        if (run?.epoch === message.epoch) run.driver?.data(message.node, message.values, message.by, message.reject);
        return;
      }
      case 'stop': {
        const run = runs.get(message.runId);
        if (run && run.epoch <= message.epoch) stopRun(run, message.reason);
        return;
      }
      case 'error':
        logger.warn({ code: message.code, reason: message.message }, 'the hub could not take a message');
        // The hub failed on something it may have half-stored: send again whatever it has not acknowledged
        // (it ignores what it already has), after a pause so that a failing hub is not flooded.
        if (message.code === 'internal') {
          clearTimeout(resendTimer);
          resendTimer = setTimeout(() => {
            for (const run of runs.values()) run.sentSeq = Math.min(run.sentSeq, run.spool.ackedSeq);
            send();
          }, 1_000);
        }
        return;
      case 'heartbeat':
      case 'welcome':
      case 'refused':
        return;
    }
  };

  const welcomed = (current: HubSession) => {
    session = current;
    lastContact = Date.now();
    lease = { leaseMs: current.welcome.leaseMs, heartbeatMs: current.welcome.heartbeatMs };
    const answered = new Set<string>();
    for (const answer of current.welcome.runs) {
      const run = runs.get(answer.runId);
      if (!run) continue;
      answered.add(answer.runId);
      if (answer.action === 'stop' || answer.epoch !== run.epoch) {
        stopRun(run, 'the hub no longer gives it to this runner');
        continue;
      }
      run.spool.ack(answer.ackedSeq);
      if (answer.ackedSeq >= 1) openGate(run, true);
      run.sentSeq = Math.max(answer.ackedSeq, run.spool.ackedSeq);
    }
    for (const run of runs.values()) if (!answered.has(run.runId)) run.sentSeq = run.spool.ackedSeq;
    current.onWritten(sendMoreIfWaiting);
    logger.info({ runnerId: current.welcome.runnerId, held: runs.size }, 'connected to the hub');
    send();
    for (const run of [...runs.values()]) forgetIfDelivered(run);
  };

  // ---- fencing --------------------------------------------------------------------------------------------------

  // A hub silent past the lease counts this runner's runs lost, and gives those of `requeue-lost` flows to another
  // runner: the runner stops those itself, so that a run is never executed twice, even across a partition
  // (DESIGN §5). Other runs go on (the hub may have been restarting; on reconnect it says `continue` or `stop`).
  // One heartbeat of margin covers the hub having heard this runner a little later than the runner heard the hub.
  const fence = setInterval(() => {
    if (!lease) return;
    const silentMs = Date.now() - lastContact;
    if (silentMs <= lease.leaseMs - lease.heartbeatMs) return;
    for (const run of runs.values()) {
      if (!run.running || run.fenced || !run.requeueLost) continue;
      run.fenced = true;
      run.log.warn({ silentMs }, 'no word from the hub past the lease; stopping the run (the hub counts it lost)');
      run.driver?.cancel('runner: no contact with the hub past the lease');
    }
  }, 250);
  fence.unref();

  // Retention: run workspaces untouched for a week go (workspace/sweep-workspaces.ts), at start and then daily.
  const sweepOldWorkspaces = () => {
    const removed = sweepWorkspaces(config.workDir, { now: Date.now(), activeRunIds: runs.keys() });
    if (removed.length > 0) logger.info({ removed }, 'removed old run workspaces');
  };
  const workspaceSweep = setInterval(sweepOldWorkspaces, 24 * 60 * 60 * 1000);
  workspaceSweep.unref();

  // ---- start-up: the work dir, leftovers of a crash, the credential -----------------------------------------

  /** Runs a previous life left in the spool: kill what is left of them; those not finished end as `lost`. */
  const recover = () => {
    const { spools, unreadable } = RunSpool.loadAll(spoolRoot);
    if (unreadable.length > 0) logger.warn({ runs: unreadable }, 'removed unreadable spools');
    for (const spool of spools) {
      const log = logger.child({ runId: spool.runId, epoch: spool.meta.epoch });
      const killed = killLeftovers(spool.meta.mark, true);
      if (killed.length > 0) log.warn({ killed }, 'killed processes a previous runner left behind');
      if (!spool.meta.finished) {
        if (spool.lastSeq === 0) {
          // It never started: nothing to report; the hub's lease gives it back.
          spool.drop();
          continue;
        }
        spool.append([
          { kind: 'input', seq: spool.lastSeq + 1, input: { type: 'lost', runner: config.name, at: Date.now() } },
        ]);
        spool.markFinished();
        log.warn('run lost in a runner restart; reporting it');
      }
      runs.set(spool.runId, {
        runId: spool.runId,
        epoch: spool.meta.epoch,
        spool,
        running: false,
        pending: [],
        sentSeq: spool.ackedSeq,
        log,
      });
    }
  };

  /** Whether the registration token has been used by this life of the runner (a token works once). */
  let tokenUsed = false;
  const credential = async (fresh = false): Promise<CredentialFile> => {
    const saved = fresh ? undefined : loadCredential(config.credentialPath);
    if (saved) return saved;
    const hub = config.hub;
    if (!config.token || !hub)
      throw new HubFailure({
        kind: 'http',
        status: 401,
        message: `no runner credential at ${config.credentialPath}; start once with --hub URL --token TOKEN (an admin makes one with \`floe runner token\`)`,
      });
    const token = config.token;
    tokenUsed = true;
    // Any hub of the list can register it (they share the database): the next one is tried after a failure.
    const urls = splitHubUrls(hub);
    const registered = await retry((n) => registerRunner(urls[(n - 1) % urls.length] as string, token, config.name), {
      backoff: createBackoff({ maxMs: config.backoffMax }),
      signal: stopAll.signal,
      onRetry: (failure, delayMs) => logger.warn({ reason: failure.message, delayMs }, 'cannot register yet; retrying'),
    });
    const file = { hub, name: config.name, ...registered };
    saveCredential(config.credentialPath, file);
    logger.info({ runnerId: registered.runnerId, file: config.credentialPath }, 'runner registered');
    return file;
  };

  // ---- the connection loop ------------------------------------------------------------------------------------

  const connectLoop = async (first: CredentialFile): Promise<number> => {
    let saved = first;
    const hubs = splitHubUrls(config.hub ?? saved.hub);
    if (config.hub && config.hub !== saved.hub)
      logger.warn({ hub: config.hub, credentialHub: saved.hub }, 'the credential was issued by another hub URL');
    // While it holds runs, the runner tries at least three times a lease: a hub that restarts gives each held run
    // one lease for its runner to come back, and a back-off grown long during the outage would miss it.
    const backoff = createBackoff({
      maxMs: config.backoffMax,
      limitMs: () => (lease && runs.size > 0 ? lease.leaseMs / 3 : Number.POSITIVE_INFINITY),
    });
    // Each attempt goes to the next hub of the list: after its hub died, the runner's first try is another hub.
    let nextHub = 0;
    while (!stopping) {
      try {
        const current = await retry(
          () =>
            openHubSession({
              hubUrl: hubs[nextHub++ % hubs.length] as string,
              hello: {
                type: 'hello',
                protocol: PROTOCOL_VERSION,
                minProtocol: MIN_PROTOCOL_VERSION,
                credential: saved.credential,
                name: config.name,
                tags: config.tags,
                slots: config.slots,
                version: RUNNER_VERSION,
                sandbox: sandbox.ok ? { sandboxed: true } : { sandboxed: false, reason: sandbox.reason },
                runs: [...runs.values()].map((run) => ({
                  runId: run.runId,
                  epoch: run.epoch,
                  ackedSeq: run.spool.ackedSeq,
                })),
              },
              onWelcome: welcomed,
              onMessage: handle,
              heldRuns: () => [...runs.values()].map((run) => ({ runId: run.runId, epoch: run.epoch })),
              onBadFrame: (problem) => logger.warn({ problem }, 'unreadable message from the hub'),
            }),
          {
            backoff,
            signal: stopAll.signal,
            onRetry: (failure, delayMs) =>
              failure.reason.kind === 'refused' && failure.reason.code === 'incompatible-version'
                ? logger.error(
                    { hubs, reason: failure.message, delayMs },
                    'the hub speaks no protocol version of this runner; waiting for the hub to be upgraded',
                  )
                : logger.warn({ hubs, reason: failure.message, delayMs }, 'cannot reach the hub; retrying'),
          },
        );
        const failure = await current.closed;
        if (session === current) session = undefined;
        if (!stopping) logger.warn({ reason: failure.message }, 'connection to the hub lost; reconnecting');
      } catch (err) {
        if (stopping) break;
        if (!(err instanceof HubFailure)) throw err;
        // A saved credential the hub no longer knows (its data was reset), and a token at hand that this life has
        // not used: register again rather than make a person do it (`floe up` passes a fresh token every start).
        const reason = err.reason;
        if (reason.kind === 'refused' && reason.code === 'bad-credential' && config.token && !tokenUsed) {
          logger.warn('runner credential rejected; registering again with the token given');
          try {
            saved = await credential(true);
            continue;
          } catch (again) {
            if (stopping) break;
            if (again instanceof HubFailure) return refusedForGood(again);
            throw again;
          }
        }
        return refusedForGood(err);
      }
    }
    return 0;
  };

  const refusedForGood = (failure: HubFailure): number => {
    const reason = failure.reason;
    const message =
      reason.kind === 'refused' && reason.code === 'bad-credential'
        ? `runner credential rejected; re-register with a new token (floe runner token, then floe runner start --token …; the credential is ${config.credentialPath})`
        : failure.message;
    logger.error({ reason: reason.kind === 'refused' ? reason.code : reason.kind }, message);
    return EXIT_CONFIG;
  };

  // ---- stopping ---------------------------------------------------------------------------------------------------

  let requestStop: () => void = () => {};
  const stopRequested = new Promise<void>((resolve) => {
    requestStop = resolve;
  });
  let hurry = false;
  function drain() {
    if (draining || stopping) return;
    draining = true;
    logger.info({ running: activeRuns() }, 'draining: finishing the running runs, taking no new ones');
    if (activeRuns() === 0) stop();
  }
  function stop() {
    if (stopping) {
      hurry = true;
      logger.warn('stopping now: killing every task');
      for (const run of runs.values()) killRun(run);
      return;
    }
    stopping = true;
    logger.info({ running: activeRuns() }, 'stopping: cancelling runs');
    for (const run of runs.values()) if (run.running) run.driver?.cancel('runner stopping');
    requestStop();
  }
  const until = async (condition: () => boolean, ms: number) => {
    for (const deadline = Date.now() + ms; !condition() && Date.now() < deadline; ) await sleep(50);
  };

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
      // Before anything else, and before hello: what a crashed previous life left running dies now — by the marks
      // of its runs, then whatever is still in its task cgroups (a process that cleared its environment).
      recover();
      if (!reserve.make())
        logger.warn({ workDir: config.workDir }, "no room for the spool's reserve; declining runs until there is");
      const left = await endDeadCgroupLives();
      if (left.length > 0) logger.warn({ killed: left }, 'killed processes a previous runner left in its task cgroups');
      if (config.sandbox !== 'off') {
        sandbox = probeTaskSandbox({
          workDir: config.workDir,
          taskUser: config.taskUser,
          binds: config.sandboxBind,
          path: baseEnv.PATH ?? '',
        });
      }
      if (sandbox.ok) {
        const { user, binds } = sandbox.sandbox;
        logger.info({ taskUser: user?.name ?? 'the runner user', binds }, 'tasks run in a sandbox');
      } else if (config.sandbox === 'on') {
        logger.error({ reason: sandbox.reason }, 'cannot sandbox tasks (--sandbox on); not starting');
        return EXIT_CONFIG;
      } else {
        logger.warn(
          { reason: sandbox.reason },
          'tasks run without a sandbox, as the runner user; the hub offers this runner no untrusted runs',
        );
      }
      // A sandboxed runner keeps its warm shells in each run's sandbox (warm-shell.ts), none outside.
      keepWarmShells(Math.min(config.slots, 4), { ...baseEnv, [RUN_MARK]: instance }, sandbox.ok);
      sweepOldWorkspaces();
      let saved: CredentialFile;
      try {
        saved = await credential();
      } catch (err) {
        if (stopping) return 0;
        if (err instanceof HubFailure && !err.retryable) return refusedForGood(err);
        throw err;
      }
      const loop = connectLoop(saved);
      const exit = await Promise.race([loop, stopRequested.then(() => undefined)]);
      if (exit !== undefined) {
        // Refused for good: runs cannot report anywhere, so they stop at once (their spools stay for later).
        stopping = true;
        for (const run of runs.values()) if (run.running) killRun(run);
        await until(() => activeRuns() === 0, config.killGrace + 5_000);
        return exit;
      }
      // The kill ladder of cancelled runs, then a moment for the hub to acknowledge the last records (whatever it
      // has not acknowledged stays spooled and is sent by the next start).
      await until(() => activeRuns() === 0 || hurry, config.killGrace + 5_000);
      flushWrites();
      send();
      await until(() => hurry || [...runs.values()].every((run) => run.spool.drained), options.drainMs ?? 5_000);
      stopAll.abort();
      session?.close();
      await loop.catch(() => 0);
      return 0;
    } finally {
      clearTimeout(sendTimer);
      clearTimeout(resendTimer);
      clearTimeout(retryWrites);
      clearInterval(fence);
      clearInterval(workspaceSweep);
      for (const run of runs.values()) run.spool.close();
      keepWarmShells(0);
      lock.release();
    }
  })();

  return { done, stop, drain };
}

/** Tasks inherit the runner's environment, except the runner's own settings and tokens (a registration token, an
 * admin token left in the shell that started it). */
function taskBaseEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const own = new Set<string>([...Object.values(RUNNER_ENV), 'FLOE_ADMIN_TOKEN']);
  const base: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && !own.has(key)) base[key] = value;
  return base;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
