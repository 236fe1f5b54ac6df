// This hub's copies of the live runs it works on (issue 23): the run as this hub last wrote or read it, so that the
// writes of a run's life (offer, accept, each batch of records) start from it instead of reading and parsing the
// run again. A copy is never trusted over the store: every write made from it is a compare-and-set on what it
// says (state, epoch, runner, lastSeq), so a copy another hub (or this one, elsewhere) made stale fails its write,
// is dropped, and the run is read again. Its `flow` and `trigger` never change (Store.saveProgress's `known`).
import type { RunRow } from '../store/store.js';

/** Runs kept at most; the least recently used goes first (runs that ended on another hub are never told here). */
const CAPACITY = 10_000;

export class RunCopies {
  private readonly runs = new Map<string, RunRow>();

  get(runId: string): RunRow | undefined {
    const run = this.runs.get(runId);
    if (run) {
      this.runs.delete(runId);
      this.runs.set(runId, run);
    }
    return run;
  }

  /** Keeps the run as the store returned it; an archived run is dropped (nothing more is written to it here). */
  keep(run: RunRow): void {
    this.runs.delete(run.id);
    if (run.state === 'archived') return;
    this.runs.set(run.id, run);
    if (this.runs.size > CAPACITY) this.runs.delete(this.runs.keys().next().value as string);
  }

  drop(runId: string): void {
    this.runs.delete(runId);
  }
}
