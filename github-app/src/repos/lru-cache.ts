/** Values by key, at most `capacity` of them: the least recently used goes first. */
export class LruCache<V> {
  private readonly values = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  /** The value kept for `key`, or `make()`'s, kept from now on. */
  get(key: string, make: () => V): V {
    const kept = this.values.get(key);
    if (kept !== undefined) {
      this.values.delete(key);
      this.values.set(key, kept);
      return kept;
    }
    const made = make();
    this.values.set(key, made);
    if (this.values.size > this.capacity) this.values.delete(this.values.keys().next().value as string);
    return made;
  }

  delete(key: string): void {
    this.values.delete(key);
  }
}
