// A small disk for one runner's work dir (a tmpfs mounted by the soak, which runs as root on the CI machines), and
// a way to fill it up for a while: what a runner meets when its spool disk is full. Where mounting is not allowed,
// `path` is undefined and the soak injects no disk faults (and says so).
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export type SmallDisk = {
  /** The mounted folder, or undefined when it could not be mounted. */
  path: string | undefined;
  /** Fills the disk to the last byte, holds it full for `ms`, then frees it. */
  fill(ms: number): Promise<void>;
  /** Unmounts it (lazily: a process still in it does not stop the unmount). */
  remove(): void;
};

/** Mounts a tmpfs of `sizeMb` on `dir`, its source named `source` (how soak.mjs finds it if the soak is killed). */
export function smallDisk(dir: string, source: string, sizeMb = 96): SmallDisk {
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, source, dir], { stdio: 'ignore' });
  const path = mounted.status === 0 ? dir : undefined;
  return {
    path,
    async fill(ms) {
      if (!path) return;
      const filler = join(path, 'filler');
      const fd = openSync(filler, 'w');
      const block = Buffer.alloc(1024 * 1024);
      try {
        for (;;) writeSync(fd, block);
      } catch {
        // ENOSPC: full. Then the last bytes, so that not even a small write fits.
        try {
          for (;;) writeSync(fd, block, 0, 512);
        } catch {
          // Full to the block.
        }
      } finally {
        closeSync(fd);
      }
      await new Promise((resolve) => setTimeout(resolve, ms));
      rmSync(filler, { force: true });
    },
    remove() {
      if (path) spawnSync('umount', ['-l', path], { stdio: 'ignore' });
    },
  };
}
