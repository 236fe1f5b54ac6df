import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { CacheHit, CacheSaved, CacheStore } from './cache-store.js';

/** What sits beside each archive: the key in full (the file name is its hash) and when it was saved. */
const KeyFileSchema = z.object({ key: z.string(), savedAt: z.number() });

/** Temporary files older than this are a crashed save's, removed at the next eviction. */
const STALE_TEMP_MS = 60 * 60 * 1000;

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Caches in a directory of this machine (`<work dir>/cache/tasks` for a runner, the user's cache dir for `floe
 * run`), at most `maxBytes` in all: after each save the least recently used (saved or restored) are removed until
 * the rest fit. One archive larger than the cap is refused while it is written.
 *
 * Layout: `<dir>/<hash of space>/<hash of key>.tar` and `.key` beside it. An archive is written to a temporary file,
 * flushed, then hard-linked to its name, which fails when the name exists: a reader never opens a half-written
 * archive, and of two saves of one key the first to finish wins whole.
 */
export class LocalCacheStore implements CacheStore {
  /** `now` (default Date.now) dates saves and uses: which cache is newest, which least recently used. */
  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  async find(space: string, key: string, prefixes: readonly string[]): Promise<CacheHit | undefined> {
    const spaceDir = join(this.dir, sha(space));
    const exact = await this.hit(spaceDir, key);
    if (exact) return exact;
    if (prefixes.length === 0) return undefined;
    const names = await readdir(spaceDir).catch(() => [] as string[]);
    const saved: Array<{ key: string; savedAt: number }> = [];
    for (const name of names) {
      if (!name.endsWith('.key')) continue;
      const text = await readFile(join(spaceDir, name), 'utf8').catch(() => undefined);
      const parsed = text === undefined ? undefined : KeyFileSchema.safeParse(safeJson(text));
      if (parsed?.success) saved.push(parsed.data);
    }
    saved.sort((a, b) => b.savedAt - a.savedAt);
    for (const prefix of prefixes) {
      for (const entry of saved) {
        if (!entry.key.startsWith(prefix)) continue;
        const hit = await this.hit(spaceDir, entry.key);
        if (hit) return hit;
      }
    }
    return undefined;
  }

  async save(space: string, key: string, write: (into: NodeJS.WritableStream) => Promise<void>): Promise<CacheSaved> {
    const spaceDir = join(this.dir, sha(space));
    const name = join(spaceDir, sha(key));
    await mkdir(spaceDir, { recursive: true, mode: 0o700 });
    if (await exists(`${name}.tar`)) return { kind: 'exists' };
    const temp = join(this.dir, `.tmp-${randomBytes(8).toString('hex')}`);
    let bytes = 0;
    const cap = this.maxBytes;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        if (bytes > cap) done(new CacheTooLarge(cap));
        else done(null, chunk);
      },
    });
    try {
      const file = createWriteStream(temp, { mode: 0o600, flags: 'wx' });
      await Promise.all([write(counter), pipeline(counter, file)]);
      // Flushed before it gets its name: a crash never leaves a named archive cut short.
      const handle = await open(temp, 'r');
      await handle.sync().finally(() => handle.close());
      await writeFile(`${temp}.key`, JSON.stringify({ key, savedAt: this.now() }), { mode: 0o600 });
      await rename(`${temp}.key`, `${name}.key`);
      const at = new Date(this.now());
      await utimes(temp, at, at);
      try {
        await link(temp, `${name}.tar`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { kind: 'exists' };
        throw err;
      }
    } catch (err) {
      if (err instanceof CacheTooLarge) return { kind: 'refused', reason: err.message };
      throw err;
    } finally {
      counter.destroy();
      await unlink(temp).catch(() => {});
      await unlink(`${temp}.key`).catch(() => {});
    }
    await this.evict();
    return { kind: 'saved', bytes };
  }

  /** Removes the least recently used archives until the rest fit under the cap, and crashed saves' leftovers. */
  async evict(): Promise<void> {
    const archives: Array<{ path: string; bytes: number; usedAt: number }> = [];
    for (const entry of await readdir(this.dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(this.dir, entry.name);
      if (entry.isFile() && entry.name.startsWith('.tmp-')) {
        const info = await stat(path).catch(() => undefined);
        if (info && this.now() - info.mtimeMs > STALE_TEMP_MS) await unlink(path).catch(() => {});
        continue;
      }
      if (!entry.isDirectory()) continue;
      for (const name of await readdir(path).catch(() => [] as string[])) {
        if (!name.endsWith('.tar')) continue;
        const info = await stat(join(path, name)).catch(() => undefined);
        if (info) archives.push({ path: join(path, name), bytes: info.size, usedAt: info.mtimeMs });
      }
    }
    let total = archives.reduce((sum, archive) => sum + archive.bytes, 0);
    archives.sort((a, b) => a.usedAt - b.usedAt);
    for (const archive of archives) {
      if (total <= this.maxBytes) break;
      // The archive first: a key file without its archive is skipped by find, never the reverse.
      await unlink(archive.path).catch(() => {});
      await unlink(archive.path.replace(/\.tar$/, '.key')).catch(() => {});
      total -= archive.bytes;
    }
  }

  private async hit(spaceDir: string, key: string): Promise<CacheHit | undefined> {
    const path = join(spaceDir, `${sha(key)}.tar`);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    return {
      key,
      bytes: info.size,
      open: async () => {
        // Opened before it is touched: an eviction between the two cannot take it from under the restore.
        const stream = createReadStream(path);
        await new Promise<void>((resolve, reject) => {
          stream.once('open', () => resolve());
          stream.once('error', reject);
        });
        const now = new Date(this.now());
        await utimes(path, now, now).catch(() => {});
        return stream;
      },
    };
  }
}

class CacheTooLarge extends Error {
  constructor(cap: number) {
    super(
      `the cache is larger than the cache cap (${Math.round(cap / 2 ** 20)} MB); raise --cache-max-mb or cache less`,
    );
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );
