import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Reads at most `maxBytes` of a file a task wrote, as the runner (which may be root) — so never through a symlink
 * (O_NOFOLLOW), never a FIFO or a device (O_NONBLOCK, then only a regular file is read). Answers the bytes read and
 * the file's size, or why it could not be read (a sentence); never throws.
 */
export function readTaskFile(
  path: string,
  maxBytes: number,
): { ok: true; bytes: Buffer; size: number } | { ok: false; missing: boolean; message: string } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, missing: true, message: 'no such file' };
    if (code === 'ELOOP') return { ok: false, missing: false, message: 'is a symbolic link (not followed)' };
    return { ok: false, missing: false, message: (err as Error).message };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, missing: false, message: 'is not a regular file' };
    const bytes = Buffer.alloc(Math.min(stat.size, maxBytes));
    let read = 0;
    while (read < bytes.length) {
      const n = readSync(fd, bytes, read, bytes.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return { ok: true, bytes: bytes.subarray(0, read), size: stat.size };
  } catch (err) {
    return { ok: false, missing: false, message: (err as Error).message };
  } finally {
    closeSync(fd);
  }
}
