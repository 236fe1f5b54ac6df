import { RUN_MARK } from '../daemon/kill-leftovers.js';

/** What an untrusted task may take from the runner's environment: what programs need to run at all. */
const BASICS = new Set(['PATH', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'TZ', 'TERM', 'TMPDIR', RUN_MARK]);

/**
 * The environment an untrusted run's tasks start from (docs/security.md): PATH, the user and locale basics and the
 * runner's process mark — nothing else of the runner's (its tokens, cloud credentials, proxies, CI settings).
 * HOME is a fresh directory of the run's, so tools do not pick up the runner's dotfiles (~/.npmrc, ~/.netrc,
 * ~/.docker/config.json, ~/.git-credentials) on their own.
 */
export function minimalEnv(runnerEnv: Record<string, string>, home: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(runnerEnv)) {
    if (BASICS.has(key) || key.startsWith('LC_')) env[key] = value;
  }
  env.HOME = home;
  return env;
}
