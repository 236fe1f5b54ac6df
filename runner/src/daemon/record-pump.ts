// The record pump (DESIGN §5 "Records, the spool and acknowledgements"): records from the run drivers go to each
// run's spool first, then to the hub in batched frames, while the socket keeps up. Nothing is sent that is not
// spooled, so whatever the hub has not acknowledged can be sent again after a reconnect, a hub restart or a
// runner crash. Acknowledgements come back through HeldRuns.
import { MAX_FRAME_BYTES, type RunRecord, SINCE_PROTOCOL } from '@floe/shared';
import type { HubSession } from '../connection/open-hub-session.js';
import type { SpooledEntry } from '../spool/spool-format.js';
import type { SpoolReserve } from '../spool/spool-reserve.js';
import type { HeldRun, HeldRuns } from './held-runs.js';
import { logFrame, recordFrame, recordJson } from './spool-frames.js';

/** Above this many bytes queued in the socket, records wait in the spool (back-pressure). */
const SEND_HIGH_WATER = 4 * 1024 * 1024;
/**
 * Above this many bytes of a run sent and not yet acknowledged, its records wait in the spool: the hub reads
 * frames as they arrive and stores them one after the other, so a runner racing ahead of the hub's store would
 * pile its frames up in the hub's memory. A few frames in flight keep the hub busy while the next ones travel.
 */
const IN_FLIGHT_HIGH_WATER = 4 * 1024 * 1024;

export interface RecordPumpOptions {
  runs: HeldRuns;
  /** Given up when the disk is full, so that the records of the runs held still fit (spool-reserve.ts). */
  reserve: SpoolReserve;
  /** The batch window: a lone record goes at once, a burst waits this long to go in one frame (config `batch`). */
  batchMs: number;
  /** The most bytes of records in one frame (within the protocol's frame size); this many waiting are sent
   * without waiting for the window. */
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
    // A run's start is spooled at once (and sent with the tick's records): its tasks may start in this same tick
    // (the hub's `accepted` may be in), and a runner restarting after a crash must find that the run started
    // (recover-previous-life.ts).
    if (record.kind === 'start') this.spool(run);
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
      if (run.pending.length === 0 || !this.spool(run)) continue;
      if (run.spool.bytesAfter(run.sentSeq) >= batchBytes) urgent = true;
    }
    const idleFor = Date.now() - this.sentAt;
    if (urgent || (this.sendTimer === undefined && idleFor >= batchMs)) this.send();
    else this.sendTimer ??= setTimeout(() => this.send(), Math.max(0, batchMs - idleFor));
  }

  /** Spools the run's pending records; false when the disk would not take them (they wait in `pending`). */
  private spool(run: HeldRun): boolean {
    try {
      this.appendKeepingReserve(run);
      run.pending = [];
      run.spoolFailing = false;
      return true;
    } catch (err) {
      // Records are never sent before they are spooled: they wait in memory, in order, until the disk takes them.
      if (!run.spoolFailing) run.log.error({ err }, 'cannot write the spool; holding records in memory');
      run.spoolFailing = true;
      this.retryWrites ??= setTimeout(() => {
        this.retryWrites = undefined;
        this.flushWrites();
      }, this.retryMs);
      return false;
    }
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

  /** Sends what is spooled and not yet sent, in frames of at most batchBytes, while the socket and the hub keep
   * up. */
  send(): void {
    clearTimeout(this.sendTimer);
    this.sendTimer = undefined;
    const current = this.options.session();
    if (!current) return;
    for (const run of this.options.runs.values()) {
      const head = Buffer.from(
        `{"type":"record","runId":${JSON.stringify(run.runId)},"epoch":${run.epoch},"records":[`,
      );
      const room = Math.min(this.options.batchBytes, MAX_FRAME_BYTES - head.length - 2);
      while (current.bufferedAmount < SEND_HIGH_WATER && inFlight(run) < IN_FLIGHT_HIGH_WATER) {
        const entries = run.spool.entries(run.sentSeq + 1, room);
        if (!entries) break;
        const { protocol } = current.welcome;
        const sent =
          protocol >= SINCE_PROTOCOL.binaryLogs
            ? sendSplit(current, run, head, entries)
            : sendJson(current, run, head, room, entries, protocol);
        if (!sent) return;
        this.sentAt = Date.now();
      }
    }
  }

  /** The socket has written out what was queued, or the hub acknowledged records: send more if back-pressure
   * held records back. */
  sendMoreIfWaiting(): void {
    const current = this.options.session();
    if (this.sendTimer || !current || current.bufferedAmount >= SEND_HIGH_WATER) return;
    for (const run of this.options.runs.values()) {
      if (run.sentSeq < run.spool.lastSeq && inFlight(run) < IN_FLIGHT_HIGH_WATER) {
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

/** Bytes of the run sent and not yet acknowledged. */
function inFlight(run: HeldRun): number {
  return run.spool.bytesAfter(run.spool.ackedSeq) - run.spool.bytesAfter(run.sentSeq);
}

/**
 * Records to a hub of protocol 6: each run of `log` records in one binary frame made of their spooled bytes
 * (spool-frames.ts), the other records in JSON frames, in seq order. A binary frame is smaller than the spooled
 * bytes of its records, so within the frame size. False when the socket closed (what went before counts as sent).
 */
function sendSplit(session: HubSession, run: HeldRun, head: Buffer, entries: SpooledEntry[]): boolean {
  for (let from = 0; from < entries.length; ) {
    const logs = (entries[from] as SpooledEntry).textAt >= 0;
    let to = from + 1;
    while (to < entries.length && (entries[to] as SpooledEntry).textAt >= 0 === logs) to++;
    const group = entries.slice(from, to);
    const sent = logs
      ? session.sendBinary(logFrame(run.spool, run.runId, run.epoch, group))
      : session.send(recordFrame(run.spool, head, group));
    if (!sent) return false;
    run.sentSeq = (group[group.length - 1] as SpooledEntry).seq;
    from = to;
  }
  return true;
}

/**
 * Records to a hub older than binary frames, all as JSON (a log record's text escaped again: the slow way), in
 * frames of at most `room` bytes of records — more than their spooled bytes, which leave texts unescaped. A hub
 * older than `report` records gets a line in the log in their place. False when the socket closed.
 */
function sendJson(
  session: HubSession,
  run: HeldRun,
  head: Buffer,
  room: number,
  entries: SpooledEntry[],
  protocol: number,
): boolean {
  let lines: string[] = [];
  let bytes = 0;
  let lastSeq = run.sentSeq;
  const flush = () => {
    if (lines.length === 0) return true;
    if (!session.send(`${head}${lines.join(',')}]}`)) return false;
    run.sentSeq = lastSeq;
    lines = [];
    bytes = 0;
    return true;
  };
  for (const entry of entries) {
    const json = recordJson(run.spool, entry);
    const line = protocol < SINCE_PROTOCOL.reportRecords ? withoutReport(json) : json;
    const size = Buffer.byteLength(line) + 1;
    if (bytes + size > room && !flush()) return false;
    lines.push(line);
    bytes += size;
    lastSeq = entry.seq;
  }
  return flush();
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
