import { simpleGit } from 'simple-git';

/**
 * `git ls-remote --refs <url> <pattern>` as a map from full ref name to sha (as the original polled, with its faults
 * fixed: the full ref name is kept — `refs/heads/feature/x`, not `feature` — and a failure rejects instead of crashing
 * the process). `exclude` is an unanchored regular expression of refs to skip.
 */
export async function lsRemote(
  url: string,
  pattern: string,
  exclude: RegExp | undefined,
  timeoutMs = 60_000,
): Promise<Record<string, string>> {
  // A url or pattern from FLOE.yaml reaches git as an argument: never let it pass for an option.
  if (url.startsWith('-') || pattern.startsWith('-'))
    throw new Error(`refusing ${url} ${pattern}: looks like an option`);
  const out = await simpleGit({ timeout: { block: timeoutMs } }).raw(['ls-remote', '--refs', url, pattern]);
  const refs: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const [sha, ref] = line.trim().split(/\s+/);
    if (!sha || !ref?.startsWith('refs/')) continue;
    if (exclude?.test(ref)) continue;
    refs[ref] = sha;
  }
  return refs;
}
