import { LruCache } from './lru-cache.js';

/**
 * Files read at a commit, kept by (full sha, path): a commit never changes, so every run of a flow at the same
 * commit reads FLOE.yaml once instead of asking git (a process) or GitHub (a request) again. Least recently used
 * entries go first; a failed read is not kept.
 */
export class CommitFileCache {
  private readonly files: LruCache<Promise<string | undefined>>;

  constructor(capacity = 256) {
    this.files = new LruCache(capacity);
  }

  get(sha: string, path: string, read: () => Promise<string | undefined>): Promise<string | undefined> {
    // An abbreviated sha may come to mean another commit as the repository grows: only full ones are kept.
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(sha)) return read();
    const key = `${sha.toLowerCase()}:${path}`;
    return this.files.get(key, () => {
      const reading = read();
      reading.catch(() => this.files.delete(key));
      return reading;
    });
  }
}
