// The hub's offers (DESIGN §5 "Offers and epochs"): whether this runner takes a run, and if so its spool, its
// driver, and what becomes of the run when the driver ends. A run is prepared before the accept goes out, and
// its tasks start only once the hub has stored the accept (its `accepted`, or the ack of the run's `start`).
import { type HubMessage, type RunSpec, SINCE_PROTOCOL } from '@floe/shared';
import type { Logger } from 'pino';
import type { CacheStore } from '../cache/cache-store.js';
import { HubCacheStore } from '../cache/hub-cache-store.js';
import type { HubSession } from '../connection/open-hub-session.js';
import { driveRun, type RunDriver } from '../execution/drive-run.js';
import type { SpareSandboxes } from '../process/spare-sandboxes.js';
import type { SandboxProbe } from '../process/task-sandbox.js';
import { RunSpool } from '../spool/run-spool.js';
import type { SpoolReserve } from '../spool/spool-reserve.js';
import type { HeldRun, HeldRuns } from './held-runs.js';
import { acceptanceMark, RUN_MARK } from './kill-leftovers.js';
import type { RecordPump } from './record-pump.js';
import type { RunnerConfig } from './runner-config.js';

export type Offer = Extract<HubMessage, { type: 'offer' }>;

export interface RunOffersOptions {
  config: Pick<RunnerConfig, 'slots' | 'workDir' | 'killGrace'>;
  logger: Logger;
  runs: HeldRuns;
  pump: RecordPump;
  reserve: SpoolReserve;
  /** `<work-dir>/spool`. */
  spoolRoot: string;
  /** This life of the runner: the first part of every acceptance mark. */
  instance: string;
  /** The environment tasks start from. */
  baseEnv: Record<string, string>;
  /** Where tasks' `cache:` is kept; absent (`--cache-max-mb 0`): nowhere, and `cache:` is ignored. */
  caches?: CacheStore;
  /** The hub connected now and the runner's credential, for the runs' artifact requests (HubConnection.endpoint). */
  endpoint: () => { hubUrl: string; credential: string } | undefined;
  /** The current session, for a decline once the driver could not start. */
  session: () => HubSession | undefined;
  /** Why the daemon takes no new run now (stopping, draining); undefined when it does. */
  refusal: () => string | undefined;
  /** A run was accepted (an ephemeral runner drains then). */
  onAccepted: () => void;
  /** A run's driver has ended (a draining runner may stop). */
  onDriverEnded: () => void;
}

export class RunOffers {
  /** Probed once at start (process/task-sandbox.ts) and told to the hub in hello; none until then. */
  sandbox: SandboxProbe = { ok: false, reason: 'the runner was started with --sandbox off' };
  /** Sandboxes prepared before their run (process/spare-sandboxes.ts), when the runner sandboxes its tasks. */
  spares?: SpareSandboxes;

  constructor(private readonly options: RunOffersOptions) {}

  /** Answers the offer on `current`: accept (the run's driver then started), or decline saying why. */
  offer(message: Offer, current: HubSession): void {
    const { runs, config, logger } = this.options;
    const { runId, epoch } = message;
    const decline = (reason: string) => current.send({ type: 'decline', runId, epoch, reason });
    const claim = runs.claim(runId, epoch);
    if ('again' in claim) return void current.send({ type: 'accept', runId, epoch });
    if ('decline' in claim) return void decline(claim.decline);
    const refusal = this.options.refusal();
    if (refusal) return void decline(refusal);
    if (runs.slotsTaken() >= config.slots) return void decline('no free slot');
    // A full disk: the runs held keep the room there is; new ones wait for another runner, or for room here.
    const room = this.options.reserve.readyForNewRun();
    if (room !== true) return void decline(room);
    // The hub does not offer these to a runner without a sandbox; a hub older than the sandbox might.
    if (!this.sandbox.ok && message.run.trust !== 'trusted')
      return void decline('this runner runs no untrusted code: no sandbox');
    let spool: RunSpool;
    // A mark unique to this acceptance, in every task's environment: what a restart after a crash kills.
    const mark = acceptanceMark(this.options.instance, runId, epoch);
    try {
      spool = RunSpool.create(this.options.spoolRoot, { runId, epoch, acceptedAt: Date.now(), mark });
    } catch (err) {
      logger.error({ err, runId }, 'cannot make the spool of a run');
      return void decline(`the runner cannot write its spool: ${(err as Error).message}`);
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
    runs.add(run);
    // Prepared while the accept is on its way (its workspace, its `start` record, sent after the accept); its tasks
    // start once the hub has stored the accept — it says `accepted` (protocol 7), or acknowledges the start —:
    // an accept the hub could not store (its database away, the socket cut) may see the run offered to another
    // runner, and then it never ran here (DESIGN §5 "Offers and epochs").
    // A hub of protocol 1 would not read the start record's `parallel`, and would run every combination at once.
    const parallel = current.welcome.protocol >= SINCE_PROTOCOL.startParallel ? config.slots : undefined;
    if (!this.drive(run, message.run, gate, parallel)) return;
    current.send({ type: 'accept', runId, epoch });
    run.log.info({ flow: message.run.flow.id, number: message.run.number }, 'run accepted');
    this.options.onAccepted();
  }

  /** Starts the run's driver; false (and the run declined) when it cannot start. */
  private drive(run: HeldRun, spec: RunSpec, startWhen: Promise<boolean>, parallel: number | undefined): boolean {
    const { config, runs, pump } = this.options;
    let driver: RunDriver;
    try {
      driver = driveRun({
        spec,
        startWhen,
        workDir: config.workDir,
        baseEnv: { ...this.options.baseEnv, [RUN_MARK]: run.spool.meta.mark },
        ...(this.sandbox.ok ? { sandbox: this.sandbox.sandbox } : {}),
        ...(this.spares ? { spares: this.spares } : {}),
        // The hub's shared caches when it keeps them, else (it says so at the first request) the runner's own.
        caches: new HubCacheStore(
          { endpoint: this.options.endpoint, runId: run.runId, epoch: run.epoch },
          this.options.caches,
        ),
        killGraceMs: config.killGrace,
        ...(parallel === undefined ? {} : { parallel }),
        artifacts: { endpoint: this.options.endpoint, runId: run.runId, epoch: run.epoch },
        onRecord: (record) => pump.push(run, record),
      });
    } catch (err) {
      run.log.error({ err }, 'run could not start');
      this.declineHeld(run);
      return false;
    }
    run.driver = driver;
    runs.watchEnding(run.runId, driver.done);
    driver.done
      .then(
        (state) => run.log.info({ result: state.ended?.result, reason: state.ended?.reason }, 'run finished'),
        (err: unknown) => run.log.error({ err }, 'run could not start'),
      )
      .finally(() => {
        run.running = false;
        this.options.onDriverEnded();
        if (!runs.holds(run)) return;
        pump.flushWrites();
        if (run.spool.lastSeq === 0 && run.pending.length === 0) {
          // Nothing happened (its workspace could not be made): give the run back instead of holding it.
          this.declineHeld(run);
          return;
        }
        try {
          run.spool.markFinished();
        } catch (err) {
          run.log.error({ err }, 'cannot mark the spool finished');
        }
        pump.send();
        runs.forgetIfDelivered(run);
      });
    return true;
  }

  /** Gives back a run accepted or about to be that never started here. */
  private declineHeld(run: HeldRun): void {
    this.options.session()?.send({
      type: 'decline',
      runId: run.runId,
      epoch: run.epoch,
      reason: 'the runner could not start it',
    });
    this.options.runs.giveUp(run);
  }
}
