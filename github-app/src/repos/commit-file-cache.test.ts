import { describe, expect, it } from 'vitest';
import { CommitFileCache } from './commit-file-cache.js';

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);

describe('CommitFileCache', () => {
  it('reads a file of a full sha once, and again for another path, commit or an abbreviated sha', async () => {
    const cache = new CommitFileCache();
    const reads: string[] = [];
    const read = (what: string) => () => {
      reads.push(what);
      return Promise.resolve(`text of ${what}`);
    };
    expect(await cache.get(SHA_A, 'FLOE.yaml', read('a'))).toBe('text of a');
    expect(await cache.get(SHA_A, 'FLOE.yaml', read('a again'))).toBe('text of a');
    expect(await cache.get(SHA_A, 'ci/flow.yaml', read('a other'))).toBe('text of a other');
    expect(await cache.get(SHA_B, 'FLOE.yaml', read('b'))).toBe('text of b');
    await cache.get('aaaaaaa', 'FLOE.yaml', read('short'));
    await cache.get('aaaaaaa', 'FLOE.yaml', read('short again'));
    expect(reads).toEqual(['a', 'a other', 'b', 'short', 'short again']);
  });

  it('keeps a missing file as missing, forgets a failed read, and drops the least recently used beyond capacity', async () => {
    const cache = new CommitFileCache(2);
    let reads = 0;
    const missing = () => {
      reads++;
      return Promise.resolve(undefined);
    };
    expect(await cache.get(SHA_A, 'FLOE.yaml', missing)).toBeUndefined();
    expect(await cache.get(SHA_A, 'FLOE.yaml', missing)).toBeUndefined();
    expect(reads).toBe(1);

    await expect(cache.get(SHA_B, 'x', () => Promise.reject(new Error('git died')))).rejects.toThrow('git died');
    expect(await cache.get(SHA_B, 'x', () => Promise.resolve('ok'))).toBe('ok');

    // Capacity 2: (A, FLOE.yaml) and (B, x) are kept; reading A makes B the oldest, so a third entry drops B.
    await cache.get(SHA_A, 'FLOE.yaml', missing);
    await cache.get(SHA_A, 'y', () => Promise.resolve('y'));
    expect(await cache.get(SHA_B, 'x', () => Promise.resolve('read again'))).toBe('read again');
    expect(reads).toBe(1);
  });
});
