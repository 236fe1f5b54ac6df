import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LocalCacheStore } from './local-cache-store.js';

const dir = () => mkdtempSync(join(tmpdir(), 'floe-cache-store-'));

/** A clock that moves one second each time it is read: every save and use is later than the one before. */
const ticking = () => {
  let at = 1_700_000_000_000;
  return () => (at += 1000);
};

/** A save of `text`. */
const writing = (text: string) => async (into: NodeJS.WritableStream) => {
  into.end(text);
};

async function readAll(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

describe('LocalCacheStore', () => {
  it('finds a key exactly, else the newest cache of the first restore-key prefix that has one', async () => {
    const store = new LocalCacheStore(dir(), 10_000, ticking());
    expect((await store.save('s', 'deps-a', writing('A'))).kind).toBe('saved');
    expect((await store.save('s', 'deps-b', writing('B'))).kind).toBe('saved');
    expect((await store.save('s', 'tools-c', writing('C'))).kind).toBe('saved');

    const exact = await store.find('s', 'deps-a', ['tools-']);
    expect(exact?.key).toBe('deps-a');
    expect(await readAll(await (exact as NonNullable<typeof exact>).open())).toBe('A');
    // deps-b is newer than deps-a; tools- comes first in the list, so it wins over any deps-.
    expect((await store.find('s', 'deps-z', ['deps-']))?.key).toBe('deps-b');
    expect((await store.find('s', 'deps-z', ['nope-', 'tools-', 'deps-']))?.key).toBe('tools-c');
    expect(await store.find('s', 'deps-z', ['nope-'])).toBeUndefined();
  });

  it('keeps keyspaces apart: a key saved in one space is not found in another', async () => {
    const store = new LocalCacheStore(dir(), 10_000, ticking());
    await store.save('untrusted\nrepo:o/r', 'deps-1', writing('poison'));
    expect(await store.find('trusted\nrepo:o/r', 'deps-1', ['deps-'])).toBeUndefined();
    expect((await store.find('untrusted\nrepo:o/r', 'deps-1', []))?.key).toBe('deps-1');
  });

  it('lets the first of two concurrent saves of one key win whole, and the other leave nothing', async () => {
    const root = dir();
    const store = new LocalCacheStore(root, 10_000_000);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The second starts first but finishes last: its archive was already complete, yet the name is taken.
    const slow = store.save('s', 'k', async (into) => {
      into.write('S'.repeat(100_000));
      await gate;
      into.end('S');
    });
    const fast = store.save('s', 'k', async (into) => {
      into.end('F'.repeat(50_000));
    });
    expect(await fast).toEqual({ kind: 'saved', bytes: 50_000 });
    release();
    expect(await slow).toEqual({ kind: 'exists' });
    const hit = await store.find('s', 'k', []);
    expect(await readAll(await (hit as NonNullable<typeof hit>).open())).toBe('F'.repeat(50_000));
    // No temporary file of the loser is left behind.
    expect(readdirSync(root).filter((name) => name.startsWith('.tmp-'))).toEqual([]);
  });

  it('never shows a save that is still being written, nor one whose writer failed', async () => {
    const store = new LocalCacheStore(dir(), 10_000_000);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let written = false;
    const saving = store.save('s', 'k', async (into) => {
      into.write('half');
      written = true;
      await gate;
      into.end(' and the rest');
    });
    while (!written) await new Promise((resolve) => setImmediate(resolve));
    expect(await store.find('s', 'k', ['k'])).toBeUndefined();
    release();
    await saving;
    const hit = await store.find('s', 'k', []);
    expect(await readAll(await (hit as NonNullable<typeof hit>).open())).toBe('half and the rest');

    await expect(
      store.save('s', 'broken', async (into) => {
        into.write('part');
        throw new Error('tar failed');
      }),
    ).rejects.toThrow('tar failed');
    expect(await store.find('s', 'broken', ['broken'])).toBeUndefined();
  });

  it('refuses an archive larger than the cap while it is written, keeping nothing of it', async () => {
    const root = dir();
    const store = new LocalCacheStore(root, 1000);
    const saved = await store.save('s', 'big', writing('x'.repeat(1001)));
    expect(saved.kind).toBe('refused');
    expect((saved as { reason: string }).reason).toMatch(/larger than the cache cap/);
    expect(await store.find('s', 'big', [])).toBeUndefined();
    expect(readdirSync(root).filter((name) => name.startsWith('.tmp-'))).toEqual([]);
  });

  it('evicts the least recently used caches (a restore counts as a use) to stay under the cap', async () => {
    const store = new LocalCacheStore(dir(), 2500, ticking());
    await store.save('s', 'one', writing('1'.repeat(1000)));
    await store.save('s', 'two', writing('2'.repeat(1000)));
    // `one` restored: now `two` is the least recently used.
    await (await store.find('s', 'one', []))?.open().then((stream) => stream.destroy());
    await store.save('s', 'three', writing('3'.repeat(1000)));
    expect((await store.find('s', 'one', []))?.key).toBe('one');
    expect(await store.find('s', 'two', [])).toBeUndefined();
    expect((await store.find('s', 'three', []))?.key).toBe('three');
  });

  it('skips a key file that is not its JSON (a damaged cache dir) instead of failing', async () => {
    const root = dir();
    const store = new LocalCacheStore(root, 10_000, ticking());
    await store.save('s', 'deps-1', writing('1'));
    const spaceDir = readdirSync(root).find((name) => !name.startsWith('.')) as string;
    const keyFile = readdirSync(join(root, spaceDir)).find((name) => name.endsWith('.key')) as string;
    expect(JSON.parse(readFileSync(join(root, spaceDir, keyFile), 'utf8')).key).toBe('deps-1');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(root, spaceDir, keyFile), '{not json');
    expect(await store.find('s', 'other', ['deps-'])).toBeUndefined();
    expect((await store.find('s', 'deps-1', []))?.key).toBe('deps-1');
  });
});
