/**
 * One-at-a-time sections per key. Store writes that decide a run's fate are compare-and-set already; this keeps
 * one hub from racing itself (two record batches of one run read the same lastSeq, a cancel and a lease expiry
 * land together), so the CAS fails only when another hub got there first.
 */
export function keyedLock(): <T>(key: string, fn: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>();
  return async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const result = previous.then(fn, fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}
