// A SQLite hub keeps log bytes in files, not in the database (DESIGN §4 "The store"): one append-only file
// per (run, node) under `<data-dir>/logs` (log-file-names.ts), written at the chunk's byte offset inside the write
// transaction that stores the chunk's row, before the row commits. Each byte is written once, by one pwrite of the
// whole chunk, instead of twice through 4 KiB database pages (the WAL, then the checkpoint): the hub's cost of a
// chatty task's log was mostly that (issue 23).
//
// Consistency comes from the rows: a chunk's bytes are read only where a committed row says they are. A crash or a
// failed commit after the write leaves bytes past the end the rows know; no read reaches them, and the next append
// (at the end the rows know) writes over them. Durability is the database's `synchronous = NORMAL`: files written
// are fdatasync'ed in the background at most once a second (and the folders holding new files with them), so a
// power loss can lose the last second of logs, as it can the last commits.
import {
  close,
  closeSync,
  constants,
  fdatasync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs';
import { open, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { nodeLogFile, runLogDir } from './log-file-names.js';

const fdatasyncAsync = promisify(fdatasync);
const closeAsync = promisify(close);

export type LogFilesOptions = {
  /** Files kept open for writing (the logs being written now); the least recently written is closed first. */
  maxOpen?: number;
  /** How often written files are synced; default 1000 ms. */
  syncEveryMs?: number;
  /**
   * Chunks of at least this many bytes go to files; smaller ones stay in their rows. Default 16 KiB: a log's
   * first file costs a folder, a file and their syncs, more than a one-task run's few lines cost in a row, while a
   * chatty task's output comes in chunks of hundreds of KiB.
   */
  minChunkBytes?: number;
};

/** `syncing`: the background sync of this fd in flight, which its close waits for. */
type OpenFile = { file: string; fd: number; runId: string; dirty: boolean; syncing?: Promise<void> };

/** The cache's key: a run id has no NUL. */
const key = (runId: string, node: string): string => `${runId}\u0000${node}`;

const WRITE_FLAGS = constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW;

export class LogFiles {
  /** By key(runId, node), least recently written first. */
  private readonly files = new Map<string, OpenFile>();
  /** Files closed since they were last written and not synced since (fdatasync of any fd syncs the file). */
  private readonly unsynced = new Set<string>();
  /** Folders that gained a file since the last sync: their entries must reach the disk too. */
  private readonly newEntries = new Set<string>();
  /** Files being synced and closed, and the sync in flight: awaited by close(). */
  private readonly pending = new Set<Promise<void>>();
  private readonly maxOpen: number;
  readonly minChunkBytes: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly dir: string,
    options: LogFilesOptions = {},
  ) {
    this.maxOpen = options.maxOpen ?? 64;
    this.minChunkBytes = options.minChunkBytes ?? 16 * 1024;
    this.timer = setInterval(() => this.track(this.syncWritten()), options.syncEveryMs ?? 1_000);
    this.timer.unref();
  }

  /** Writes `bytes` at `offset` of the node's log file, all of them or throws (e.g. ENOSPC). */
  write(runId: string, node: string, offset: number, bytes: Uint8Array): void {
    const file = this.openForWrite(runId, node);
    let done = 0;
    while (done < bytes.length) done += writeSync(file.fd, bytes, done, bytes.length - done, offset + done);
    file.dirty = true;
  }

  /**
   * `length` bytes at `offset` of the node's log file; throws when the file holds fewer. The node as the hub names
   * it, or as the database keeps it (log-file-names.ts storedBytes).
   */
  read(runId: string, node: string | Uint8Array, offset: number, length: number): Buffer {
    const cached = typeof node === 'string' ? this.files.get(key(runId, node)) : undefined;
    const file = cached?.file ?? nodeLogFile(this.dir, runId, node);
    const fd = cached?.fd ?? openFile(file, constants.O_RDONLY | constants.O_NOFOLLOW, 'read');
    try {
      const bytes = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const got = readSync(fd, bytes, done, length - done, offset + done);
        if (got === 0)
          throw new Error(
            `${file} holds ${offset + done} bytes where the log's rows say ${offset + length}: its end was lost (a power loss before it was synced?)`,
          );
        done += got;
      }
      return bytes;
    } finally {
      if (!cached) closeSync(fd);
    }
  }

  /** Cuts the node's log file to `end` bytes when it is longer (bytes no row refers to); call under the run's lock. */
  trim(runId: string, node: string, end: number): void {
    const file = nodeLogFile(this.dir, runId, node);
    let fd: number;
    try {
      fd = openSync(file, constants.O_RDWR | constants.O_NOFOLLOW);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      if (fstatSync(fd).size > end) ftruncateSync(fd, end);
    } finally {
      closeSync(fd);
    }
  }

  /** The run has ended: its files are synced and closed (an append after this opens them again). */
  closeRun(runId: string): void {
    for (const [at, open] of this.files) if (open.runId === runId) this.retire(at, open, true);
  }

  /** Deletes the run's log files (its rows are gone). */
  async removeRun(runId: string): Promise<void> {
    for (const [at, open] of this.files) if (open.runId === runId) this.retire(at, open, false);
    await rm(runLogDir(this.dir, runId), { recursive: true, force: true });
  }

  /** The bytes of every log file (a walk of the folder: for metrics, not for a hot path). */
  async sizeBytes(): Promise<number> {
    let total = 0;
    for (const run of await readdir(this.dir).catch((): string[] => [])) {
      for (const name of await readdir(path.join(this.dir, run)).catch((): string[] => [])) {
        total += await stat(path.join(this.dir, run, name)).then(
          (s) => s.size,
          () => 0,
        );
      }
    }
    return total;
  }

  /** Syncs and closes every file. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const [at, open] of this.files) this.retire(at, open, true);
    this.track(this.syncWritten());
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  private openForWrite(runId: string, node: string): OpenFile {
    const at = key(runId, node);
    const cached = this.files.get(at);
    if (cached) {
      // Most recently written last: the first entry is the one to close when too many are open.
      this.files.delete(at);
      this.files.set(at, cached);
      return cached;
    }
    const file = nodeLogFile(this.dir, runId, node);
    const folder = path.dirname(file);
    let fd: number;
    try {
      fd = openSync(file, WRITE_FLAGS, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      this.newEntries.add(this.dir);
      fd = openSync(file, WRITE_FLAGS, 0o600);
    }
    this.newEntries.add(folder);
    const opened: OpenFile = { file, fd, runId, dirty: false };
    this.files.set(at, opened);
    for (const [oldest, open] of this.files) {
      if (this.files.size <= this.maxOpen) break;
      this.retire(oldest, open, true);
    }
    return opened;
  }

  /**
   * Out of the cache and closed at once (so the bound holds however fast logs come), its bytes synced by path at the
   * next background sync when asked and written; a file whose background sync is in flight is closed after it.
   */
  private retire(at: string, open: OpenFile, sync: boolean): void {
    this.files.delete(at);
    if (sync && open.dirty) this.unsynced.add(open.file);
    open.dirty = false;
    const { syncing } = open;
    if (!syncing) {
      closeSync(open.fd);
      return;
    }
    this.track(syncing.then(() => closeAsync(open.fd).catch(() => undefined)));
  }

  /** The background sync: every file written since the last one, and the folders that gained files. */
  private async syncWritten(): Promise<void> {
    for (const [at, entry] of [...this.files]) {
      // One retired meanwhile is synced by path below; its fd is closed once this sync of it is done.
      if (!entry.dirty || this.files.get(at) !== entry) continue;
      entry.dirty = false;
      entry.syncing = fdatasyncAsync(entry.fd).catch((err: unknown) => warn(entry.file, err));
      await entry.syncing;
      entry.syncing = undefined;
    }
    // Closed since written: synced by path (fdatasync of any fd of a file syncs the file).
    await syncPaths(this.unsynced);
    // New files' folders, so that the files themselves are found after a power loss.
    await syncPaths(this.newEntries);
  }

  private track(work: Promise<void>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }
}

function openFile(file: string, flags: number, why: string): number {
  try {
    return openSync(file, flags);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(`${file} is missing: the log's rows say its bytes are there (${why})`);
    throw err;
  }
}

/** Syncs each path of `paths` (files or folders) and empties it. */
async function syncPaths(paths: Set<string>): Promise<void> {
  const taken = [...paths];
  paths.clear();
  for (const entry of taken) {
    const handle = await open(entry, 'r').catch(() => undefined);
    if (!handle) continue;
    await handle.sync().catch((err: unknown) => warn(entry, err));
    await handle.close();
  }
}

function warn(file: string, err: unknown): void {
  process.emitWarning(`floe: syncing the log file ${file} failed (${(err as Error).message})`);
}
