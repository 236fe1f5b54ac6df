// One suite for both blob stores (CONTRIBUTING.md "One contract per seam"): files under a data dir and chunks in a
// real PostgreSQL. What they promise: an append resumes where the bytes end, keeps what arrived before a failure,
// refuses another offset and more than its limit; reads of a range; removal.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres } from '../store/postgres/migrate-postgres.js';
import { createTestDatabase, type TestDatabase } from '../store/testing/test-database.js';
import { BlobLimitError, BlobOffsetError, type BlobStore } from './blob-store.js';
import { FileBlobStore } from './file-blob-store.js';
import { PostgresBlobStore } from './postgres-blob-store.js';

async function text(stream: AsyncIterable<unknown>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts).toString();
}

async function* pieces(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const part of parts) yield Buffer.from(part);
}

async function* failingAfter(part: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(part);
  throw new Error('connection reset');
}

function contract(name: string, open: () => Promise<{ store: BlobStore; close: () => Promise<void> }>) {
  describe(`blob store: ${name}`, () => {
    let store: BlobStore;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await open());
    });
    afterAll(async () => close());

    it('appends at the end, resumes after a failure with what arrived, and reads ranges', async () => {
      const id = randomUUID();
      expect(await store.size(id)).toBe(0);
      expect(await text(store.read(id))).toBe('');
      expect(await store.append(id, 0, pieces('hello ', 'wor'), 100)).toBe(9);
      await expect(store.append(id, 9, failingAfter('ld'), 100)).rejects.toThrow('connection reset');
      expect(await store.size(id)).toBe(11);
      expect(await store.append(id, 11, pieces('!'), 1)).toBe(12);
      expect(await text(store.read(id))).toBe('hello world!');
      expect(await text(store.read(id, { start: 6, end: 10 }))).toBe('world');
      expect(await text(store.read(id, { start: 11, end: 11 }))).toBe('!');
    });

    it('refuses an append at another offset, and stops at its limit keeping what fits', async () => {
      const id = randomUUID();
      await store.append(id, 0, pieces('abc'), 10);
      const wrong = await store.append(id, 1, pieces('x'), 10).catch((err: unknown) => err);
      expect(wrong).toBeInstanceOf(BlobOffsetError);
      expect((wrong as BlobOffsetError).size).toBe(3);
      await expect(store.append(id, 3, pieces('defgh'), 2)).rejects.toBeInstanceOf(BlobLimitError);
      expect(await text(store.read(id))).toBe('abcde');
    });

    it('keeps a large blob in pieces and reads a range across them', async () => {
      const id = randomUUID();
      const big = Buffer.alloc(2.5 * 1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = i % 251;
      await store.append(
        id,
        0,
        (async function* () {
          for (let at = 0; at < big.length; at += 64 * 1024) yield big.subarray(at, at + 64 * 1024);
        })(),
        big.length,
      );
      expect(await store.size(id)).toBe(big.length);
      const parts: Buffer[] = [];
      for await (const part of store.read(id, { start: 1024 * 1024 - 5, end: 2 * 1024 * 1024 + 4 }))
        parts.push(part as Buffer);
      expect(Buffer.concat(parts).equals(big.subarray(1024 * 1024 - 5, 2 * 1024 * 1024 + 5))).toBe(true);
    });

    it('removes a blob, and refuses ids it did not make', async () => {
      const id = randomUUID();
      await store.append(id, 0, pieces('gone'), 10);
      await store.remove(id);
      expect(await store.size(id)).toBe(0);
      await store.remove(id);
      expect(() => store.read('../../etc/passwd')).toThrow('not a blob id');
      await expect(store.size('../x')).rejects.toThrow('not a blob id');
    });
  });
}

contract('files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'floe-blobs-'));
  return { store: new FileBlobStore(dir), close: () => rm(dir, { recursive: true, force: true }) };
});

contract('postgres', async () => {
  const db: TestDatabase = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  await migratePostgres(pool);
  return {
    store: new PostgresBlobStore(pool),
    close: async () => {
      await pool.end();
      await db.drop();
    },
  };
});
