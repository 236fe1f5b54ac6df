// The spool's reserve on its disk (DESIGN §5 "Records, the spool and acknowledgements"): a file of real bytes in the
// spool folder, made while there is room. When the disk fills up (a task's output, another program) and a spool
// write fails, the reserve is given up so the records of the runs the runner holds still fit: those are never
// lost. While the reserve cannot be made again, the runner declines new runs, saying why, and goes on serving
// the ones it holds; once there is room again it takes runs again.
import { closeSync, existsSync, mkdirSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_SPOOL_RESERVE_BYTES = 16 * 1024 * 1024;
const FILE = '.reserve';

export class SpoolReserve {
  private held = false;

  constructor(
    private readonly dir: string,
    /** Bytes kept back; 0 turns the reserve off (the disk is then only checked for that much room). */
    private readonly bytes = DEFAULT_SPOOL_RESERVE_BYTES,
  ) {}

  /**
   * Whether the runner may take a new run: the reserve is in place, or can be made now. Otherwise a sentence
   * saying why not, for the decline.
   */
  readyForNewRun(): true | string {
    if (this.held || this.bytes === 0) return true;
    if (this.make()) return true;
    const free = this.freeBytes();
    return `the runner's disk is full (${mib(free)} free under ${this.dir}; it keeps ${mib(this.bytes)} for the records of the runs it holds)`;
  }

  /** Makes the reserve when it is missing and the disk has room for it and as much again. Never throws. */
  make(): boolean {
    if (this.held) return true;
    if (this.bytes === 0) return false;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch {
      return false;
    }
    if (this.freeBytes() < 2 * this.bytes) return false;
    const path = join(this.dir, FILE);
    try {
      // Written, not truncated to size: a sparse file would reserve nothing.
      const fd = openSync(path, 'w', 0o600);
      try {
        const block = Buffer.alloc(1024 * 1024);
        for (let written = 0; written < this.bytes; ) {
          written += writeSync(fd, block, 0, Math.min(block.length, this.bytes - written));
        }
      } finally {
        closeSync(fd);
      }
      this.held = true;
      return true;
    } catch {
      rmSync(path, { force: true });
      return false;
    }
  }

  /**
   * Gives the reserve up (a spool write failed for lack of room): its bytes are for the held runs' records. The
   * file a previous life of the runner made counts too (a runner restarting on a full disk recovers its spools with
   * it). Whether any bytes were freed.
   */
  release(): boolean {
    const path = join(this.dir, FILE);
    if (!this.held && !existsSync(path)) return false;
    rmSync(path, { force: true });
    this.held = false;
    return true;
  }

  private freeBytes(): number {
    try {
      const stats = statfsSync(this.dir);
      return stats.bavail * stats.bsize;
    } catch {
      return 0;
    }
  }
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 0)} MiB`;
