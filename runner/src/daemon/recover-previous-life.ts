// Crash recovery (DESIGN §8 "Runner restarts"): what a runner that starts again does with what its previous life
// left in its work dir. It runs before the hello, so that no task of a run the hub may give to another runner is
// still running here when the hub hears of this runner again.
import type { Logger } from 'pino';
import { endDeadCgroupLives } from '../process/task-cgroup.js';
import { RunSpool } from '../spool/run-spool.js';
import type { SpoolReserve } from '../spool/spool-reserve.js';
import type { HeldRun } from './held-runs.js';
import { killLeftovers } from './kill-leftovers.js';

export interface RecoverOptions {
  /** `<work-dir>/spool`. */
  spoolRoot: string;
  /** The runner's name, for the `lost` input of a run it was executing. */
  runnerName: string;
  logger: Logger;
  /** Given up when the disk is full, so that the `lost` records still fit (spool-reserve.ts). */
  reserve: SpoolReserve;
}

/**
 * Kills what the previous life left running — by the marks of its runs' processes, then whatever is still in
 * its task cgroups (a process that cleared its environment) — and returns the runs of its spools still to
 * deliver: every record the hub has not acknowledged goes to it after the hello. A run that was still executing
 * ends with a `lost` input (its processes are dead); one that never started is dropped (the hub's lease gives it
 * back); an unreadable spool is removed.
 */
export async function recoverPreviousLife(options: RecoverOptions): Promise<HeldRun[]> {
  const runs = recoverSpools(options);
  const left = await endDeadCgroupLives();
  if (left.length > 0)
    options.logger.warn({ killed: left }, 'killed processes a previous runner left in its task cgroups');
  return runs;
}

function recoverSpools({ spoolRoot, runnerName, logger, reserve }: RecoverOptions): HeldRun[] {
  const { spools, unreadable } = RunSpool.loadAll(spoolRoot);
  if (unreadable.length > 0) logger.warn({ runs: unreadable }, 'removed unreadable spools');
  const runs: HeldRun[] = [];
  for (const spool of spools) {
    const log = logger.child({ runId: spool.runId, epoch: spool.meta.epoch });
    // The whole life: its warm shells carry only the life's part of the mark (kill-leftovers.ts).
    const killed = killLeftovers(spool.meta.mark, true);
    if (killed.length > 0) log.warn({ killed }, 'killed processes a previous runner left behind');
    if (!spool.meta.finished) {
      if (spool.lastSeq === 0) {
        // It never started: nothing to report; the hub's lease gives it back.
        spool.drop();
        continue;
      }
      let appended = false;
      const lost = () => {
        if (!appended) {
          spool.append([
            { kind: 'input', seq: spool.lastSeq + 1, input: { type: 'lost', runner: runnerName, at: Date.now() } },
          ]);
          appended = true;
        }
        spool.markFinished();
      };
      try {
        lost();
      } catch (err) {
        // A runner restarting on a full disk: the reserve's bytes are for exactly this.
        if (!reserve.release()) throw err;
        log.warn({ err }, "the runner's disk is full; its spool reserve goes to the runs it holds");
        lost();
      }
      log.warn('run lost in a runner restart; reporting it');
    }
    runs.push({
      runId: spool.runId,
      epoch: spool.meta.epoch,
      spool,
      running: false,
      pending: [],
      sentSeq: spool.ackedSeq,
      log,
    });
  }
  return runs;
}
