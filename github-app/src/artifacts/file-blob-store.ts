import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { BlobLimitError, BlobOffsetError, type BlobStore, type ByteRange, checkBlobId } from './blob-store.js';

/**
 * Blobs as files under `dir` (a SQLite hub's `<data-dir>/artifacts`), one per id, in folders by the id's first two
 * characters. An append writes straight into the file, so what arrived before a dropped connection is on disk and
 * the next append continues after it; a restarted hub finds every byte where it was.
 */
export class FileBlobStore implements BlobStore {
  constructor(private readonly dir: string) {}

  private file(id: string): string {
    checkBlobId(id);
    return path.join(this.dir, id.slice(0, 2), id);
  }

  async size(id: string): Promise<number> {
    try {
      return (await stat(this.file(id))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
  }

  async append(id: string, offset: number, body: AsyncIterable<Uint8Array>, limit: number): Promise<number> {
    const file = this.file(id);
    const size = await this.size(id);
    if (offset !== size) throw new BlobOffsetError(size);
    await mkdir(path.dirname(file), { recursive: true });
    // Each piece is written before the next is read (no stream buffers between): when `body` fails, every byte it
    // gave is in the file, and the next append resumes after it.
    const handle = await open(file, 'a');
    let written = 0;
    try {
      for await (const chunk of body) {
        const take = Math.min(chunk.length, limit - written);
        if (take > 0) await handle.write(chunk, 0, take);
        written += take;
        if (take < chunk.length) throw new BlobLimitError(limit);
      }
    } finally {
      // Flushed to the disk, so a machine that crashes does not claim bytes it lost.
      await handle.datasync().catch(() => undefined);
      await handle.close();
    }
    return this.size(id);
  }

  read(id: string, range?: ByteRange): Readable {
    const file = this.file(id);
    // A blob of 0 bytes was never written: it has no file.
    if (!existsSync(file)) return Readable.from([]);
    return createReadStream(file, range ? { start: range.start, end: range.end } : {});
  }

  async remove(id: string): Promise<void> {
    await rm(this.file(id), { force: true });
  }
}
