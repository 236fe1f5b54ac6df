// The on-disk spool of one run (DESIGN §5): every record the run driver produces is appended here before it is
// sent, and stays until the hub acknowledges it, so that nothing is lost across disconnects, hub restarts and
// runner crashes. Layout, under `<work-dir>/spool/<runId>/`:
//   meta.json       which run, at which epoch, and whether its processes have finished (written once, then on finish)
//   records.spool   the records, append-only, seq increasing by 1: a log record's text as its raw bytes after a
//                   small JSON header, any other record as a JSON line (spool-format.ts)
//   acked           the acknowledged seq, written when records.spool is emptied (everything in it acknowledged)
// A spool left by a runner older than records.spool holds records.jsonl (every record a JSON line): loading
// rewrites it as records.spool.
//
// Durability: records are written with one writev(2) per batch and no fsync per record. A crash of the runner
// process loses nothing (the kernel's page cache survives it); a crash of the machine can lose what was written
// in the last second, because a background fdatasync runs at most once a second while records flow, and once more
// when the run finishes. That is the price of throughput: an fsync per log chunk would bound a task's output rate
// by the disk's flush latency.
import {
  closeSync,
  existsSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  writevSync,
} from 'node:fs';
import { join } from 'node:path';
import { type RunRecord, z } from '@floe/shared';
import { encodeEntries, readEntry, type SpooledEntry } from './spool-format.js';

export const SpoolMetaSchema = z.object({
  runId: z.string(),
  epoch: z.number().int().nonnegative(),
  /** When the runner accepted the run (ms since the epoch). */
  acceptedAt: z.number(),
  /** The value of the environment variable that marks the run's task processes (kill-leftovers.ts). */
  mark: z.string(),
  /** The run's processes are all gone: no record will be added (a crashed runner adds a `lost` one first). */
  finished: z.boolean().default(false),
});
export type SpoolMeta = z.infer<typeof SpoolMetaSchema>;

export interface SpoolOptions {
  /** records.jsonl is emptied once everything in it is acknowledged and it has grown past this; default 8 MiB (each
   * emptying writes and renames the `acked` file: at 64 KiB, a chatty task's run did that thousands of times). */
  compactBytes?: number;
  /** How long appended records may wait for fdatasync; default 1 s. */
  syncMs?: number;
}

const RECORDS = 'records.spool';
/** Where a runner older than records.spool kept the records: every one a JSON line. */
const LEGACY_RECORDS = 'records.jsonl';
const META = 'meta.json';
const ACKED = 'acked';

/** One run's spool. Methods are synchronous (small appends to the page cache); they throw only on disk failure. */
export class RunSpool {
  /** The highest seq the hub has acknowledged; records up to it are no longer kept. */
  ackedSeq: number;
  /** The highest seq appended. */
  lastSeq: number;
  meta: SpoolMeta;
  readonly dir: string;
  /** records.spool, appended to and read from. */
  private fd: number;
  /** The files of a spool made by this life (create), which are all it holds; undefined for a loaded one. */
  private made: string[] | undefined;
  /** Byte offset in records.spool of each record after ackedSeq: offsets[i] holds seq ackedSeq + 1 + i. */
  private offsets: number[];
  /** Where the text of each of them starts, -1 for one that is all JSON (SpooledEntry.textAt). */
  private textAts: number[];
  private size: number;
  private syncTimer: NodeJS.Timeout | undefined;
  private readonly compactBytes: number;
  private readonly syncMs: number;

  private constructor(
    dir: string,
    meta: SpoolMeta,
    state: { ackedSeq: number; lastSeq: number; offsets: number[]; textAts: number[]; size: number },
    options: SpoolOptions,
  ) {
    this.dir = dir;
    this.meta = meta;
    this.ackedSeq = state.ackedSeq;
    this.lastSeq = state.lastSeq;
    this.offsets = state.offsets;
    this.textAts = state.textAts;
    this.size = state.size;
    this.compactBytes = options.compactBytes ?? 8 * 1024 * 1024;
    this.syncMs = options.syncMs ?? 1_000;
    // Appended to and read from (pread: the offset of an O_APPEND descriptor moves only for writes) with one
    // descriptor: one open and one close a run fewer than a second descriptor for reading.
    this.fd = openSync(join(dir, RECORDS), 'a+');
  }

  /** Makes the spool of a newly accepted run under `root` (replacing a leftover one of the same run). */
  static create(root: string, meta: Omit<SpoolMeta, 'finished'>, options: SpoolOptions = {}): RunSpool {
    const dir = join(root, encodeURIComponent(meta.runId));
    makeEmptyDir(dir);
    const full = { ...meta, finished: false };
    writeAtomically(join(dir, META), JSON.stringify(full));
    const spool = new RunSpool(dir, full, { ackedSeq: 0, lastSeq: 0, offsets: [], textAts: [], size: 0 }, options);
    spool.made = [META, RECORDS];
    return spool;
  }

  /** The spools a previous life of the runner left under `root`; a spool that cannot be read is removed. */
  static loadAll(root: string, options: SpoolOptions = {}): { spools: RunSpool[]; unreadable: string[] } {
    let names: string[];
    try {
      names = readdirSync(root);
    } catch {
      return { spools: [], unreadable: [] };
    }
    const spools: RunSpool[] = [];
    const unreadable: string[] = [];
    for (const name of names) {
      // Not a run: the spool's reserve (spool-reserve.ts); run ids never start with a dot.
      if (name.startsWith('.')) continue;
      const dir = join(root, name);
      try {
        spools.push(RunSpool.load(dir, options));
      } catch {
        unreadable.push(name);
        rmSync(dir, { recursive: true, force: true });
      }
    }
    return { spools, unreadable };
  }

  /** Reads a spool back after a restart. A torn last line (the process died mid-write) is cut off. */
  static load(dir: string, options: SpoolOptions = {}): RunSpool {
    const meta = SpoolMetaSchema.parse(JSON.parse(readFileSync(join(dir, META), 'utf8')));
    let ackedSeq = 0;
    try {
      ackedSeq = z.coerce
        .number()
        .int()
        .nonnegative()
        .parse(readFileSync(join(dir, ACKED), 'utf8').trim());
    } catch {
      // No acked file: nothing was ever compacted; the hub's welcome says what it has.
    }
    const legacy = join(dir, LEGACY_RECORDS);
    if (existsSync(legacy)) return RunSpool.convert(dir, meta, ackedSeq, legacy, options);
    const path = join(dir, RECORDS);
    const offsets: number[] = [];
    const textAts: number[] = [];
    let lastSeq = ackedSeq;
    let good = 0;
    const fd = openSync(path, 'a+');
    try {
      const size = fstatSync(fd).size;
      // A header is small: a block this size reads it (and not much of its text), grown for a longer line.
      const state = { block: Buffer.allocUnsafe(4 * 1024) };
      let expected: number | undefined;
      while (good < size) {
        const entry = readEntry(fd, good, size, state);
        if (!entry || (expected !== undefined && entry.seq !== expected)) break;
        if (entry.seq > ackedSeq) {
          if (entry.seq !== lastSeq + 1) break;
          offsets.push(entry.start);
          textAts.push(entry.textAt);
          lastSeq = entry.seq;
        }
        expected = entry.seq + 1;
        good = entry.end;
      }
      if (good < size) ftruncateSync(fd, good);
    } finally {
      closeSync(fd);
    }
    return new RunSpool(dir, meta, { ackedSeq, lastSeq, offsets, textAts, size: good }, options);
  }

  /**
   * A previous life's records.jsonl (a runner older than records.spool) rewritten as records.spool, then removed:
   * until it is removed it is the spool's records, and a records.spool beside it a rewrite a crash cut short.
   * Its lines are read as the old loader read them: a torn last line, or one out of seq, ends them.
   */
  private static convert(
    dir: string,
    meta: SpoolMeta,
    ackedSeq: number,
    legacy: string,
    options: SpoolOptions,
  ): RunSpool {
    rmSync(join(dir, RECORDS), { force: true });
    const spool = new RunSpool(dir, meta, { ackedSeq, lastSeq: ackedSeq, offsets: [], textAts: [], size: 0 }, options);
    try {
      const bytes = readFileSync(legacy);
      let batch: RunRecord[] = [];
      let batchBytes = 0;
      let expected: number | undefined;
      for (let start = 0; start < bytes.length; ) {
        const end = bytes.indexOf(0x0a, start);
        if (end < 0) break;
        const record = legacyRecord(bytes.subarray(start, end));
        if (!record || (expected !== undefined && record.seq !== expected)) break;
        if (record.seq > ackedSeq) {
          if (record.seq !== spool.lastSeq + batch.length + 1) break;
          batch.push(record);
          batchBytes += end - start;
          if (batchBytes >= 4 * 1024 * 1024) {
            spool.append(batch);
            batch = [];
            batchBytes = 0;
          }
        }
        expected = record.seq + 1;
        start = end + 1;
      }
      spool.append(batch);
      // On disk before the old file, which held the only copy, goes.
      fdatasyncSync(spool.fd);
      unlinkSync(legacy);
    } catch (err) {
      spool.close();
      throw err;
    }
    return spool;
  }

  get runId(): string {
    return this.meta.runId;
  }

  /** Appends records, which must continue the seq (lastSeq + 1, + 2, …), with one write. Throws when the disk
   * refuses, having appended none of them. */
  append(records: readonly RunRecord[]): void {
    if (records.length === 0) return;
    let seq = this.lastSeq;
    for (const record of records) {
      if (record.seq !== seq + 1) throw new Error(`spool of ${this.runId}: seq ${record.seq} after ${seq}`);
      seq = record.seq;
    }
    const { pieces, entries, end } = encodeEntries(records, this.size);
    try {
      writeAll(this.fd, pieces);
    } catch (err) {
      // A disk that filled up mid-write: take the partial batch back so that the file stays whole entries.
      try {
        ftruncateSync(this.fd, this.size);
      } catch {
        // Nothing more to do: load() cuts a torn last entry.
      }
      throw err;
    }
    for (const entry of entries) {
      this.offsets.push(entry.start);
      this.textAts.push(entry.textAt);
    }
    this.size = end;
    this.lastSeq = seq;
    this.scheduleSync();
  }

  /** Where the records from `fromSeq` on lie in the file (at least one when there is one, then as many as fit in
   * `maxBytes` of the file); undefined when none. Their bytes are read with readAt. */
  entries(fromSeq: number, maxBytes: number): SpooledEntry[] | undefined {
    const first = Math.max(fromSeq, this.ackedSeq + 1);
    if (first > this.lastSeq) return undefined;
    const index = first - this.ackedSeq - 1;
    const start = this.offsets[index] as number;
    const entries: SpooledEntry[] = [];
    for (let i = index; i < this.offsets.length; i++) {
      const end = i + 1 < this.offsets.length ? (this.offsets[i + 1] as number) : this.size;
      if (i > index && end - start > maxBytes) break;
      entries.push({
        seq: first + (i - index),
        start: this.offsets[i] as number,
        textAt: this.textAts[i] as number,
        end,
      });
    }
    return entries;
  }

  /** Reads `length` bytes of the file from `position` into `target` at `at` (a short read means the file was cut
   * under us: an error). */
  readAt(target: Uint8Array, at: number, length: number, position: number): void {
    for (let read = 0; read < length; ) {
      const n = readSync(this.fd, target, at + read, length - read, position + read);
      if (n === 0) throw new Error(`spool of ${this.runId}: records.spool is shorter than its records`);
      read += n;
    }
  }

  /** Bytes appended after `seq` (what is still to send once `seq` has been sent). */
  bytesAfter(seq: number): number {
    const index = seq - this.ackedSeq;
    if (index < 0) return this.size - (this.offsets[0] ?? this.size);
    return index >= this.offsets.length ? 0 : this.size - (this.offsets[index] as number);
  }

  /** The hub has stored everything up to `seq`: forget it. Empties records.spool once it is all acknowledged. */
  ack(seq: number): void {
    const upTo = Math.min(seq, this.lastSeq);
    if (upTo <= this.ackedSeq) return;
    this.offsets.splice(0, upTo - this.ackedSeq);
    this.textAts.splice(0, upTo - this.ackedSeq);
    this.ackedSeq = upTo;
    if (this.ackedSeq === this.lastSeq && this.size >= this.compactBytes) {
      // The acked seq must be on disk before the records that prove it are gone.
      writeAtomically(join(this.dir, ACKED), String(this.ackedSeq));
      if (this.made && !this.made.includes(ACKED)) this.made.push(ACKED);
      ftruncateSync(this.fd, 0);
      this.size = 0;
    }
  }

  /** Everything appended has been acknowledged. */
  get drained(): boolean {
    return this.ackedSeq >= this.lastSeq;
  }

  /** No record will be added any more. */
  markFinished(): void {
    this.meta = { ...this.meta, finished: true };
    writeAtomically(join(this.dir, META), JSON.stringify(this.meta));
    this.syncNow();
  }

  /** Closes the file and removes the spool (the run is over and acknowledged, or no longer this runner's). */
  drop(): void {
    this.close();
    // A spool made by this life holds the files it made and nothing else: removed by name, a few syscalls where
    // the recursive removal's failed rmdir, readdir and lstat of each file cost more than the removal itself (a few
    // per cent of a one-task run's cost to the runner: pnpm bench runner). One loaded from a previous life may hold
    // a torn write's temporary file.
    if (this.made) {
      try {
        for (const name of this.made) unlinkSync(join(this.dir, name));
        rmdirSync(this.dir);
        return;
      } catch {
        // Something else is in it (or gone already): removed whole below.
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Closes the file, keeping the spool on disk (the runner is stopping). */
  close(): void {
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    if (this.fd !== -1) closeSync(this.fd);
    this.fd = -1;
  }

  private scheduleSync(): void {
    if (this.syncTimer) return;
    this.syncTimer = setTimeout(() => this.syncNow(), this.syncMs);
    this.syncTimer.unref();
  }

  private syncNow(): void {
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    if (this.fd !== -1) fdatasync(this.fd, () => {});
  }
}

/** Writes every piece, in order, with as few writev(2) as the kernel allows (no copy into one buffer first). */
function writeAll(fd: number, pieces: Buffer[]): void {
  let rest = pieces;
  while (rest.length > 0) {
    // At most IOV_MAX (1024) pieces a call.
    let written = writevSync(fd, rest.slice(0, 1024));
    let done = 0;
    while (done < rest.length && written >= (rest[done] as Buffer).length) written -= (rest[done++] as Buffer).length;
    rest = rest.slice(done);
    if (written > 0) rest[0] = (rest[0] as Buffer).subarray(written);
  }
}

/** A line of a previous life's records.jsonl; undefined when it is not a record. The runner's own spool, written
 * by an older version of this code: trusted as records, but for its seq and a log's text, which the new format
 * lays out apart. */
function legacyRecord(line: Buffer): RunRecord | undefined {
  try {
    const record = JSON.parse(line.toString('utf8')) as RunRecord;
    const { seq } = record;
    if (typeof seq !== 'number' || !Number.isInteger(seq) || seq <= 0) return undefined;
    if (record.kind === 'log' && typeof record.chunk?.text !== 'string') return undefined;
    return record;
  } catch {
    return undefined;
  }
}

/** Makes `dir` empty: new, as it almost always is (no removal tried first), or emptied when a leftover is there. */
function makeEmptyDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Write-then-rename: a crash leaves the old file or the new one, never half of one. */
function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, path);
}
