// The record pump (DESIGN §5 "Records, the spool and acknowledgements"): records from the run drivers go to each
// run's spool first, then to the hub in batched frames, while the socket keeps up. Nothing is sent that is not
// spooled, so whatever the hub has not acknowledged can be sent again after a reconnect, a hub restart or a
// runner crash. Acknowledgements come back through HeldRuns.
import { type RunRecord, SINCE_PROTOCOL } from '@floe/shared';
import type { HubSession } from '../connection/open-hub-session.js';
import type { SpoolReserve } from '../spool/spool-reserve.js';
import type { HeldRun, HeldRuns } from './held-runs.js';

/** Above this many bytes queued in the socket, records wait in the spool (back-pressure). */
const SEND_HIGH_WATER = 4 * 1024 * 1024;

export interface RecordPumpOptions {
  runs: HeldRuns;
  /** Given up when the disk is full, so that the records of the runs held still fit (spool-reserve.ts). */
  reserve: SpoolReserve;
  /** The batch window: a lone record goes at once, a burst waits this long to go in one frame (config `batch`). */
  batchMs: number;
  /** The most bytes of records in one frame; this many waiting are sent without waiting for the window. */
  batchBytes: number;
  /** The session records go to; undefined while the hub is away (records then wait in the spool). */
  session: () => HubSession | undefined;
  /** How long a failed spool write, or the resend after a hub's internal error, waits; default 1 s. */
  retryMs?: number;
}

export class RecordPump {
  private writeScheduled = false;
  private sendTimer: NodeJS.Timeout | undefined;
  /** When a record frame last went out: a batch window opens there, so a lone line goes at once, a burst waits. */
  private sentAt = 0;
  private resendTimer: NodeJS.Timeout | undefined;
  private retryWrites: NodeJS.Timeout | undefined;
  private readonly retryMs: number;

  constructor(private readonly options: RecordPumpOptions) {
    this.retryMs = options.retryMs ?? 1_000;
  }

  /** A record from the run's driver: spooled within this tick, then sent. */
  push(run: HeldRun, record: RunRecord): void {
    if (!this.options.runs.holds(run)) return; // stopped by the hub: nothing more about it is kept or sent
    run.pending.push(record);
    if (!this.writeScheduled) {
      this.writeScheduled = true;
      setImmediate(() => this.flushWrites());
    }
  }

  /** Spools every run's pending records (one write per run, always before they can be sent), then sends or
   * opens the batch window. */
  flushWrites(): void {
    this.writeScheduled = false;
    const { batchBytes, batchMs } = this.options;
    let urgent = false;
    for (const run of this.options.runs.values()) {
      if (run.pending.length === 0) continue;
      try {
        this.appendKeepingReserve(run);
        run.pending = [];
        run.spoolFailing = false;
      } catch (err) {
        // Records are never sent before they are spooled: they wait in memory, in order, until the disk takes them.
        if (!run.spoolFailing) run.log.error({ err }, 'cannot write the spool; holding records in memory');
        run.spoolFailing = true;
        this.retryWrites ??= setTimeout(() => {
          this.retryWrites = undefined;
          this.flushWrites();
        }, this.retryMs);
        continue;
      }
      if (run.spool.bytesAfter(run.sentSeq) >= batchBytes) urgent = true;
    }
    const idleFor = Date.now() - this.sentAt;
    if (urgent || (this.sendTimer === undefined && idleFor >= batchMs)) this.send();
    else this.sendTimer ??= setTimeout(() => this.send(), Math.max(0, batchMs - idleFor));
  }

  /** Appends the run's pending records; when the disk is full, gives up the spool's reserve and tries again. */
  private appendKeepingReserve(run: HeldRun): void {
    try {
      run.spool.append(run.pending);
    } catch (err) {
      if (!this.options.reserve.release()) throw err;
      run.log.warn({ err }, "the runner's disk is full; its spool reserve goes to the runs it holds");
      run.spool.append(run.pending);
    }
  }

  /** Sends what is spooled and not yet sent, in frames of at most batchBytes, while the socket keeps up. */
  send(): void {
    clearTimeout(this.sendTimer);
    this.sendTimer = undefined;
    const current = this.options.session();
    if (!current) return;
    for (const run of this.options.runs.values()) {
      while (current.bufferedAmount < SEND_HIGH_WATER) {
        const batch = run.spool.read(run.sentSeq + 1, this.options.batchBytes);
        if (!batch) break;
        // The spooled lines go as they were written, never parsed and serialised again — but for a hub older
        // than `report` records, which gets a line in the log in their place.
        const lines =
          current.welcome.protocol < SINCE_PROTOCOL.reportRecords ? batch.lines.map(withoutReport) : batch.lines;
        const frame = `{"type":"record","runId":${JSON.stringify(run.runId)},"epoch":${run.epoch},"records":[${lines.join(',')}]}`;
        if (!current.send(frame)) return;
        run.sentSeq = batch.lastSeq;
        this.sentAt = Date.now();
      }
    }
  }

  /** The socket has written out what was queued: send more if back-pressure held records back. */
  sendMoreIfWaiting(): void {
    const current = this.options.session();
    if (this.sendTimer || !current || current.bufferedAmount >= SEND_HIGH_WATER) return;
    for (const run of this.options.runs.values()) {
      if (run.sentSeq < run.spool.lastSeq) {
        this.sendTimer = setTimeout(() => this.send(), 0);
        return;
      }
    }
  }

  /**
   * The hub failed on something it may have half-stored (an `internal` error): send again whatever it has not
   * acknowledged (it ignores what it already has), after a pause so that a failing hub is not flooded.
   */
  resendUnacknowledged(): void {
    clearTimeout(this.resendTimer);
    this.resendTimer = setTimeout(() => {
      for (const run of this.options.runs.values()) run.sentSeq = Math.min(run.sentSeq, run.spool.ackedSeq);
      this.send();
    }, this.retryMs);
  }

  /** Stops every timer (the daemon is ending; what is unsent stays spooled). */
  close(): void {
    clearTimeout(this.sendTimer);
    clearTimeout(this.resendTimer);
    clearTimeout(this.retryWrites);
  }
}

/**
 * A spooled `report` record as a hub of protocol 1 can store it: a `sys` log line at the same seq, so that the
 * seqs stay without gaps (DESIGN §5) and the reader of the log learns why the run page shows no report.
 */
export function withoutReport(line: string): string {
  if (!line.includes('"kind":"report"')) return line;
  const record = JSON.parse(line) as RunRecord;
  if (record.kind !== 'report') return line;
  const text = `a ${record.report.type === 'annotation' ? 'annotation' : record.report.type === 'summary' ? 'summary' : 'test report'} is not shown: the hub is older than reports (upgrade it)\n`;
  const log: RunRecord = {
    kind: 'log',
    seq: record.seq,
    node: record.node,
    attempt: record.attempt,
    chunk: { stream: 'sys', at: Date.now(), text },
  };
  return JSON.stringify(log);
}
