// Test helper (not exported): a SQLite store that, while `down`, fails every call as `pg` does when its server
// is out of reach (a refused connection), for the tests of a hub whose database goes away (DESIGN §4 "When the
// database is out of reach"). It counts the calls of each method, so a test can wait for some to have happened.
import { openSqliteStore } from '../sqlite/sqlite-store.js';
import type { Store } from '../store.js';

export type StoreThatGoesAway = { store: Store; down: boolean; calls: Record<string, number> };

export function storeThatGoesAway(file: string): StoreThatGoesAway {
  const real = openSqliteStore({ file });
  const control: StoreThatGoesAway = { down: false, store: real, calls: {} };
  control.store = goesAway(real, control, '');
  return control;
}

/** `target` with every method failing while `control.down`; the GitHub state (`github`, counted as `github.…`) too. */
function goesAway<T extends object>(target: T, control: StoreThatGoesAway, prefix: string): T {
  const github =
    'github' in target && typeof target.github === 'object' && target.github
      ? goesAway(target.github, control, 'github.')
      : undefined;
  return new Proxy(target, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property === 'github') return github;
      if (typeof value !== 'function' || property === 'close') return value;
      return (...args: unknown[]) => {
        const name = prefix + String(property);
        control.calls[name] = (control.calls[name] ?? 0) + 1;
        if (control.down) {
          return Promise.reject(
            Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
          );
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
