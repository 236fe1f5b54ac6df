// The runs this runner holds (DESIGN §5): each from the offer it accepted, or from the spool a previous life left,
// until the hub has acknowledged its last record; and the drivers of runs still ending here. What the hub says about
// a run (ack, stop, the welcome's answers, an offer of a run held already) is applied here, so that whether a run
// is still this runner's is decided in one place.
import type { RunRecord } from '@floe/shared';
import type { Logger } from 'pino';
import type { Welcome } from '../connection/open-hub-session.js';
import type { RunDriver } from '../execution/drive-run.js';
import type { RunSpool } from '../spool/run-spool.js';
import { killLeftovers } from './kill-leftovers.js';

/** One run this runner holds, from offer to the hub's last acknowledgement. */
export interface HeldRun {
  runId: string;
  epoch: number;
  spool: RunSpool;
  driver?: RunDriver;
  /** The driver is still working: the run takes a slot. */
  running: boolean;
  /**
   * Opens the gate of its tasks: true once the hub has stored the accept (`accepted`, protocol 7) or the `start`
   * record (the run is this runner's), false when the hub says it is not. Absent once opened, and for runs of a
   * previous life.
   */
  open?: (mine: boolean) => void;
  /** Records from the driver not yet written to the spool (the record pump writes them once per tick). */
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

/** What the runs held say of an offer: take it anew, accept it again (held at that epoch), or decline it. */
export type Claim = { take: true } | { again: true } | { decline: string };

export class HeldRuns {
  private readonly runs = new Map<string, HeldRun>();
  /** Each run's driver until it has ended and cleaned up after itself, by run id: it outlives the run's place in
   * `runs` when the hub stops the run, and its workspace is that of any later attempt of the same run. */
  private readonly ending = new Map<string, Promise<void>>();

  get(runId: string): HeldRun | undefined {
    return this.runs.get(runId);
  }

  /** This very run object is still held (a run the hub stopped, then offered again, is another object). */
  holds(run: HeldRun): boolean {
    return this.runs.get(run.runId) === run;
  }

  add(run: HeldRun): void {
    this.runs.set(run.runId, run);
  }

  /** Lets go of a run that never started here: its spool goes, nothing more about it is sent. */
  giveUp(run: HeldRun): void {
    run.spool.drop();
    this.runs.delete(run.runId);
  }

  values(): HeldRun[] {
    return [...this.runs.values()];
  }

  ids(): IterableIterator<string> {
    return this.runs.keys();
  }

  get size(): number {
    return this.runs.size;
  }

  /** Runs whose driver is still working. */
  running(): number {
    return this.values().filter((run) => run.running).length;
  }

  // A run holds a slot until its engine has ended it, which is once its tasks have stopped: the hub frees the
  // slot at that same record, so an offer it makes then finds the slot free here too (not only once the driver
  // has also released the workspace).
  slotsTaken(): number {
    return this.values().filter((run) => run.running && !run.driver?.ended).length;
  }

  /** Keeps the run's driver known as ending until `done` settles, whatever becomes of the run in `runs`. */
  watchEnding(runId: string, done: Promise<unknown>): void {
    const ended = done.then(
      () => undefined,
      () => undefined,
    );
    this.ending.set(runId, ended);
    void ended.then(() => {
      if (this.ending.get(runId) === ended) this.ending.delete(runId);
    });
  }

  /** An offer of `runId` at `epoch`, as far as the runs held are concerned; an older attempt held here stops. */
  claim(runId: string, epoch: number): Claim {
    const held = this.runs.get(runId);
    if (held && held.epoch === epoch) return { again: true };
    if (held && held.epoch > epoch) return { decline: `this runner holds the run at a newer epoch ${held.epoch}` };
    if (held) this.stop(held, `offered again at epoch ${epoch}`);
    // The earlier attempt's driver removes the run's workspace, home and tmp as it ends, and they are the new
    // attempt's too: the hub offers again shortly (the soak found tasks that could not start for this).
    if (this.ending.has(runId)) return { decline: 'an earlier attempt of this run is still ending here' };
    return { take: true };
  }

  /** The hub has stored the run's start (true), or says the run is not this runner's (false). */
  openGate(run: HeldRun, mine: boolean): void {
    const open = run.open;
    if (!open) return;
    run.open = undefined;
    open(mine);
  }

  /** The hub has stored the accept of the run at `epoch` (protocol 7): it is this runner's, its tasks may start. */
  accepted(runId: string, epoch: number): void {
    const run = this.runs.get(runId);
    if (run?.epoch === epoch) this.openGate(run, true);
  }

  /** The hub has stored the run's records up to `seq`. */
  acked(runId: string, seq: number): void {
    const run = this.runs.get(runId);
    if (!run) return;
    run.spool.ack(seq);
    if (seq >= 1) this.openGate(run, true);
    this.forgetIfDelivered(run);
  }

  /** The hub's `cancel` of the run at that epoch (an older attempt's cancel is not this one's). */
  cancel(runId: string, epoch: number, by: string | undefined): void {
    const run = this.runs.get(runId);
    if (run?.epoch === epoch) run.driver?.cancel(by);
  }

  /** The hub's answer to a form of the run at that epoch. */
  data(
    runId: string,
    epoch: number,
    answer: { node: string; values: Record<string, string>; by?: string; reject?: boolean },
  ): void {
    const run = this.runs.get(runId);
    if (run?.epoch === epoch) run.driver?.data(answer.node, answer.values, answer.by, answer.reject);
  }

  /** The hub's `stop`: the run at that epoch or an older one is no longer this runner's. */
  stopAt(runId: string, epoch: number, reason: string): void {
    const run = this.runs.get(runId);
    if (run && run.epoch <= epoch) this.stop(run, reason);
  }

  /** The run is no longer this runner's: kill it at once, drop its spool, say nothing more about it. */
  stop(run: HeldRun, reason: string): void {
    this.runs.delete(run.runId);
    this.openGate(run, false);
    run.log.info({ reason }, 'run stopped by the hub');
    // Kill by this acceptance's mark, not by run id: after a re-queue another runner on this machine may hold the
    // same run, and its processes carry the same FLOE_RUN_ID.
    if (run.running) run.driver?.cancel('hub');
    this.kill(run);
    run.spool.drop();
  }

  /** SIGKILLs every process of the run: its tasks' groups (a warm shell's leader carries only its execution id),
   * then whatever carries this acceptance's mark. */
  kill(run: HeldRun): void {
    run.driver?.kill();
    killLeftovers(run.spool.meta.mark);
  }

  /** A run whose processes are gone and whose every record the hub has stored is forgotten. */
  forgetIfDelivered(run: HeldRun): void {
    if (run.running || run.pending.length > 0 || !run.spool.meta.finished || !run.spool.drained) return;
    if (!this.holds(run)) return;
    run.spool.drop();
    this.runs.delete(run.runId);
    run.log.info('run delivered');
  }

  /**
   * The welcome's answer for each run named in hello: runs the hub no longer gives this runner stop; the others
   * resume sending after what the hub has stored (a run the hub did not name, after what the spool knows acked).
   */
  resume(answers: Welcome['runs']): void {
    const answered = new Set<string>();
    for (const answer of answers) {
      const run = this.runs.get(answer.runId);
      if (!run) continue;
      answered.add(answer.runId);
      if (answer.action === 'stop' || answer.epoch !== run.epoch) {
        this.stop(run, 'the hub no longer gives it to this runner');
        continue;
      }
      run.spool.ack(answer.ackedSeq);
      if (answer.ackedSeq >= 1) this.openGate(run, true);
      run.sentSeq = Math.max(answer.ackedSeq, run.spool.ackedSeq);
    }
    for (const run of this.runs.values()) if (!answered.has(run.runId)) run.sentSeq = run.spool.ackedSeq;
  }

  /**
   * The hub has been silent for `silentMs`, past its lease: it counts this runner's runs lost and gives those of
   * `requeue-lost` flows to another runner, so those stop here, and a run never executes twice, even across a
   * partition (DESIGN §5). Other runs go on: the hub may have been restarting, and says `continue` or `stop` on
   * reconnect.
   */
  fence(silentMs: number): void {
    for (const run of this.runs.values()) {
      if (!run.running || run.fenced || !run.requeueLost) continue;
      run.fenced = true;
      run.log.warn({ silentMs }, 'no word from the hub past the lease; stopping the run (the hub counts it lost)');
      run.driver?.cancel('runner: no contact with the hub past the lease');
    }
  }

  /** What hello says of the runs held: the hub answers each in its welcome. */
  forHello(): { runId: string; epoch: number; ackedSeq: number }[] {
    return this.values().map((run) => ({ runId: run.runId, epoch: run.epoch, ackedSeq: run.spool.ackedSeq }));
  }

  /** What each heartbeat names: it renews these runs' leases. */
  forHeartbeat(): { runId: string; epoch: number }[] {
    return this.values().map((run) => ({ runId: run.runId, epoch: run.epoch }));
  }

  /** What the heartbeat tells the hub's metrics of the runs held. */
  forMetrics(): { runs: number; running: number; unackedRecords: number } {
    let running = 0;
    let unackedRecords = 0;
    for (const run of this.values()) {
      if (run.running) running += 1;
      unackedRecords += run.spool.lastSeq - run.spool.ackedSeq + run.pending.length;
    }
    return { runs: this.runs.size, running, unackedRecords };
  }

  /** The hub has every record of every run held. */
  allDrained(): boolean {
    return this.values().every((run) => run.spool.drained);
  }

  /** Closes every spool, keeping them on disk for the next start (the runner is stopping). */
  closeSpools(): void {
    for (const run of this.runs.values()) run.spool.close();
  }
}
