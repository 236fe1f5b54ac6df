import type { Env } from './flow-schema.js';

/**
 * The `[key, value]` pairs of an `env` list (`KEY=value`, split at the first `=`) or map, in order.
 * An entry without `=` gives an empty value (the linter reports it).
 */
export function envEntries(env: Env | undefined): [string, string][] {
  if (!env) return [];
  if (Array.isArray(env)) {
    return env.map((entry) => {
      const eq = entry.indexOf('=');
      return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
    });
  }
  return Object.entries(env).map(([key, value]) => [key, String(value)]);
}
