/**
 * Files read at a commit, kept by (full sha, path): a commit never changes, so every run of a flow at the same
 * commit reads FLOE.yaml once instead of asking git (a process) or GitHub (a request) again. Least recently used
 * entries go first; a failed read is not kept.
 */
export class CommitFileCache {
  private readonly files = new Map<string, Promise<string | undefined>>();

  constructor(private readonly capacity = 256) {}

  get(sha: string, path: string, read: () => Promise<string | undefined>): Promise<string | undefined> {
    // An abbreviated sha may come to mean another commit as the repository grows: only full ones are kept.
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(sha)) return read();
    const key = `${sha.toLowerCase()}:${path}`;
    const cached = this.files.get(key);
    if (cached) {
      this.files.delete(key);
      this.files.set(key, cached);
      return cached;
    }
    const reading = read();
    this.files.set(key, reading);
    reading.catch(() => this.files.delete(key));
    if (this.files.size > this.capacity) {
      const oldest = this.files.keys().next().value;
      if (oldest !== undefined) this.files.delete(oldest);
    }
    return reading;
  }
}
