// The template of a `cache.key` (docs/floe-yaml.md "cache"): parsed here once, for the linter and for the runner
// that expands it, so that the two never disagree on what a key may hold.

/** One piece of a cache key: literal text, the hash of files of the workspace, or a fact of the runner. */
export type CacheKeyPart =
  | { kind: 'text'; text: string }
  | { kind: 'hash'; globs: string[] }
  | { kind: 'runner'; fact: 'os' | 'arch' };

/** Longer keys (and restore-keys) are refused: they name files and index rows on every runner. */
export const MAX_CACHE_KEY_LENGTH = 512;

/**
 * Splits a key into its parts, or says what is wrong with it: an unknown `{{…}}`, `{{hash}}` without files, a
 * control character, or a key over MAX_CACHE_KEY_LENGTH. Never throws (CONTRIBUTING.md "Findings are values").
 */
export function parseCacheKey(key: string): { parts: CacheKeyPart[] } | { error: string } {
  if (key.length > MAX_CACHE_KEY_LENGTH) return { error: `is longer than ${MAX_CACHE_KEY_LENGTH} characters` };
  // Control characters are what is refused here.
  if (/[\u0000-\u001f\u007f]/.test(key)) return { error: 'holds a control character' };
  const parts: CacheKeyPart[] = [];
  let rest = key;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open < 0) break;
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) return { error: 'has a `{{` without its `}}`' };
    if (open > 0) parts.push({ kind: 'text', text: rest.slice(0, open) });
    const words = rest
      .slice(open + 2, close)
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    if (words[0] === 'runner.os' && words.length === 1) parts.push({ kind: 'runner', fact: 'os' });
    else if (words[0] === 'runner.arch' && words.length === 1) parts.push({ kind: 'runner', fact: 'arch' });
    else if (words[0] === 'hash') {
      if (words.length === 1) return { error: 'has a `{{hash}}` without files; write `{{hash package-lock.json}}`' };
      parts.push({ kind: 'hash', globs: words.slice(1) });
    } else
      return {
        error: `has \`{{${words.join(' ')}}}\`; a key knows \`{{hash FILES…}}\`, \`{{runner.os}}\` and \`{{runner.arch}}\``,
      };
    rest = rest.slice(close + 2);
  }
  if (rest) parts.push({ kind: 'text', text: rest });
  return { parts };
}
