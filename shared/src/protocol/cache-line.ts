// The `sys` log lines a task's cache writes (docs/floe-yaml.md "cache"). The runner writes them, and `floe run`,
// the dashboard and anything reading a log find a task's cache hits and misses in them, so their shape is defined
// once, here: `cache <outcome>: <key>` and, after ` — `, the details.

export const CACHE_OUTCOMES = ['hit', 'partial hit', 'miss', 'saved', 'not saved', 'error'] as const;
export type CacheOutcome = (typeof CACHE_OUTCOMES)[number];

export interface CacheLine {
  outcome: CacheOutcome;
  /** The key (expanded), or for an error the message. */
  key: string;
  detail?: string;
}

/** The log line of a cache event (without the trailing newline). */
export function cacheLine({ outcome, key, detail }: CacheLine): string {
  return `cache ${outcome}: ${key}${detail ? ` — ${detail}` : ''}`;
}

const LINE = new RegExp(`^cache (${CACHE_OUTCOMES.join('|')}): (.*?)(?: — (.*))?$`);

/** Reads a line written by `cacheLine` back; undefined for any other line. */
export function parseCacheLine(line: string): CacheLine | undefined {
  const match = LINE.exec(line.replace(/\r?\n$/, ''));
  if (!match) return undefined;
  return { outcome: match[1] as CacheOutcome, key: match[2] ?? '', ...(match[3] ? { detail: match[3] } : {}) };
}
