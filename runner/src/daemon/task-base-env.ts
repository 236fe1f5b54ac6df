import { RUNNER_ENV } from './runner-config.js';

/**
 * Variables of the runner's own that no task inherits: its settings and registration token, and the tokens other
 * floe commands read (README.md "One environment for every floe command"), which a runner started from an admin's
 * shell would otherwise hand to every task, a pull request's included.
 */
const OWN = new Set<string>([
  ...Object.values(RUNNER_ENV),
  'FLOE_ADMIN_TOKEN',
  'FLOE_ADMIN_TOKEN_FILE',
  'FLOE_TOKEN',
  'FLOE_TOKEN_FILE',
]);

/** The environment tasks start from: the runner's, less its own variables. */
export function taskBaseEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && !OWN.has(key)) base[key] = value;
  return base;
}
