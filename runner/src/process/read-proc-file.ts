import { closeSync, openSync, readSync } from 'node:fs';

/**
 * One buffer for every read of a /proc or cgroup file, grown when a file does not fit. Such files report a size of
 * 0, so readFileSync and readFile read them into a fresh 64 KiB buffer each: a few per task (the fork count, the
 * group check, the task cgroup's processes) were most of what 200 tasks at once held in memory (pnpm bench fanout),
 * and the fstat and the copy a tenth of a short task's time.
 */
let buffer = Buffer.allocUnsafe(16 * 1024);

/** The whole text of a kernel file (latin1), read synchronously; undefined when it cannot be read. */
export function readProcFile(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const larger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(larger, 0, 0, length);
        buffer = larger;
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) return buffer.toString('latin1', 0, length);
      length += read;
    }
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
