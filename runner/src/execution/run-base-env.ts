import type { TaskSandbox } from '../process/task-sandbox.js';
import { minimalEnv } from '../workspace/minimal-env.js';

/**
 * The environment a run's tasks start from (DESIGN §3 rule 4), the runner's (`runnerEnv`) made the run's: an
 * untrusted run's keeps only its basics (minimal-env.ts); a run with a home of its own (untrusted, or sandboxed:
 * a sandboxed task cannot reach the runner's home) has HOME there; a sandboxed run's TMPDIR is its own `/tmp`
 * (the runner's is not in the sandbox) and USER and LOGNAME name the task user. A spare sandbox's shell starts
 * with it too (spare-sandboxes.ts), so its run's tasks have nothing else to change.
 */
export function runBaseEnv(
  runnerEnv: Record<string, string>,
  run: { untrusted: boolean; home: string | undefined; sandbox: TaskSandbox | undefined },
): Record<string, string> {
  const { home, sandbox } = run;
  if (!home) return runnerEnv;
  const env = run.untrusted ? minimalEnv(runnerEnv, home) : { ...runnerEnv, HOME: home };
  if (!sandbox) return env;
  const user = sandbox.user;
  return { ...env, TMPDIR: '/tmp', ...(user ? { USER: user.name, LOGNAME: user.name } : {}) };
}
