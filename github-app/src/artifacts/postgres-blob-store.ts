import { Readable } from 'node:stream';
import type pg from 'pg';
import { BlobLimitError, BlobOffsetError, type BlobStore, type ByteRange, checkBlobId } from './blob-store.js';

/** Rows of at most this many bytes: small enough for one statement, large enough that a GB is ~1,000 rows. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * Blobs as rows of `blob_chunks` (store migration 12) in the PostgreSQL every hub of a fleet shares: a runner may
 * upload through one hub and a person download through another, and no hub's disk holds what another needs. Each
 * chunk is a row keyed by its byte offset; an append buffers up to CHUNK_BYTES and inserts, so a cut connection
 * loses at most what was not yet inserted, and the next append resumes at the last row's end.
 */
export class PostgresBlobStore implements BlobStore {
  constructor(private readonly pool: pg.Pool) {}

  async size(id: string): Promise<number> {
    const result = await this.pool.query(
      'SELECT byte_offset + length(data) AS end FROM blob_chunks WHERE blob_id = $1 ORDER BY byte_offset DESC LIMIT 1',
      [checkBlobId(id)],
    );
    return Number(result.rows[0]?.end ?? 0);
  }

  async append(id: string, offset: number, body: AsyncIterable<Uint8Array>, limit: number): Promise<number> {
    const size = await this.size(id);
    if (offset !== size) throw new BlobOffsetError(size);
    let at = offset;
    let written = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const data = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await this.pool.query('INSERT INTO blob_chunks (blob_id, byte_offset, data) VALUES ($1, $2, $3)', [id, at, data]);
      at += data.length;
    };
    try {
      for await (const chunk of body) {
        let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        const over = written + bytes.length > limit;
        if (over) bytes = bytes.subarray(0, limit - written);
        written += bytes.length;
        for (let from = 0; from < bytes.length; ) {
          const take = Math.min(CHUNK_BYTES - pendingBytes, bytes.length - from);
          pending.push(bytes.subarray(from, from + take));
          pendingBytes += take;
          from += take;
          if (pendingBytes === CHUNK_BYTES) await flush();
        }
        if (over) throw new BlobLimitError(limit);
      }
    } finally {
      // The bytes that arrived before a failure are kept, as the file store keeps them.
      await flush();
    }
    return at;
  }

  read(id: string, range?: ByteRange): Readable {
    checkBlobId(id);
    const pool = this.pool;
    return Readable.from(
      (async function* () {
        const start = range?.start ?? 0;
        const end = range?.end ?? Number.MAX_SAFE_INTEGER;
        // One chunk at a time: reading a GB holds one chunk in memory, never the blob.
        const first = await pool.query(
          'SELECT byte_offset FROM blob_chunks WHERE blob_id = $1 AND byte_offset <= $2 ORDER BY byte_offset DESC LIMIT 1',
          [id, start],
        );
        let next: number | undefined = first.rows[0] === undefined ? undefined : Number(first.rows[0].byte_offset);
        while (next !== undefined && next <= end) {
          const row = await pool.query('SELECT data FROM blob_chunks WHERE blob_id = $1 AND byte_offset = $2', [
            id,
            next,
          ]);
          const data = row.rows[0]?.data as Buffer | undefined;
          if (!data) return;
          const from = Math.max(0, start - next);
          const to = Math.min(data.length, end - next + 1);
          if (to > from) yield data.subarray(from, to);
          next += data.length;
        }
      })(),
    );
  }

  async remove(id: string): Promise<void> {
    await this.pool.query('DELETE FROM blob_chunks WHERE blob_id = $1', [checkBlobId(id)]);
  }
}
