import { type SpawnedProcess, spawnProcess } from './spawn-process.js';
import { makeTempDir } from './temp-dir.js';
import { FLOE_MAIN } from './workspace-root.js';

export interface RunnerOptions {
  /** The hub's URL; may be left out once the work dir holds a credential. */
  hub?: string;
  /** A registration token; needed on the first start in a work dir. */
  token?: string;
  name: string;
  tags?: string[];
  slots?: number;
  /** Default a new temp dir. Pass the same one to restart a runner with its credential and spool. */
  workDir?: string;
  /** Default 2s, so cancels in tests are quick. */
  killGrace?: string;
  args?: string[];
  env?: Record<string, string>;
}

/** A `floe runner start` process a test started. */
export interface RunnerProcess extends SpawnedProcess {
  name: string;
  workDir: string;
}

/** Starts the built `floe runner start`; it logs JSON lines on stderr (not a terminal). */
export function startRunner(options: RunnerOptions): RunnerProcess {
  const workDir = options.workDir ?? makeTempDir('floe-runner-');
  const args = [FLOE_MAIN, 'runner', 'start', '--name', options.name, '--work-dir', workDir];
  if (options.hub) args.push('--hub', options.hub);
  if (options.token) args.push('--token', options.token);
  if (options.tags?.length) args.push('--tags', options.tags.join(','));
  if (options.slots !== undefined) args.push('--slots', String(options.slots));
  args.push('--kill-grace', options.killGrace ?? '2s', ...(options.args ?? []));
  const runner = spawnProcess(process.execPath, args, { env: options.env });
  return Object.assign(runner, { name: options.name, workDir });
}
