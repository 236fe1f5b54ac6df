// Where the bytes of artifacts live (DESIGN §8 "Artifacts"): one interface, two stores. A blob is a sequence of
// bytes under an id, written by appending at its current end, so an upload cut anywhere resumes where the bytes
// stop; nothing here knows runs or artifacts (the caches of issue 19 are meant to keep their bytes here too).
// - file-blob-store.ts: files under the hub's data dir, for a SQLite hub (one machine).
// - postgres-blob-store.ts: chunks in PostgreSQL, which every hub sharing the database reads.
import type { Readable } from 'node:stream';

/** A byte range, both ends included (as HTTP's Range header counts). */
export type ByteRange = { start: number; end: number };

export interface BlobStore {
  /** How many bytes of the blob are stored: 0 for one never written. */
  size(id: string): Promise<number>;
  /**
   * Appends what `body` yields at byte `offset`, which must be the blob's size (else rejects with
   * BlobOffsetError, writing nothing), and at most `limit` bytes (more rejects with BlobLimitError, what came before
   * the limit kept). Bytes that arrived before `body` failed are kept: the next append resumes after them.
   * Resolves with the blob's new size. Appends to one blob are serialized by the caller.
   */
  append(id: string, offset: number, body: AsyncIterable<Uint8Array>, limit: number): Promise<number>;
  /** The blob's bytes, all or `range`. */
  read(id: string, range?: ByteRange): Readable;
  /** Removes the blob; nothing happens when there is none. */
  remove(id: string): Promise<void>;
}

/** An append that did not start at the blob's end: the caller asks where it ends and starts again from there. */
export class BlobOffsetError extends Error {
  override readonly name = 'BlobOffsetError';
  constructor(readonly size: number) {
    super(`the blob holds ${size} bytes; append from there`);
  }
}

/** An append that brought more than its limit. */
export class BlobLimitError extends Error {
  override readonly name = 'BlobLimitError';
  constructor(readonly limit: number) {
    super(`more than the ${limit} bytes allowed`);
  }
}

/** Blob ids are made by the hub (randomUUID); one from anywhere else never reaches a path or a query. */
export function checkBlobId(id: string): string {
  if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error(`not a blob id: ${JSON.stringify(id)}`);
  return id;
}
