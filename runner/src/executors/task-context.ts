import type { LogChunk, ResolvedFlow, ResolvedTask } from '@floe/shared';

/** Everything an executor needs to execute one attempt of one task of a run. */
export interface TaskContext {
  flow: ResolvedFlow;
  task: ResolvedTask;
  /** 1 for the first execution; the engine re-executes with attempt + 1 for `retry` (DESIGN §8 "Retry"). */
  attempt: number;
  run: {
    id: string;
    number: number;
    repo?: string;
    ref?: string;
    sha?: string;
    /** What git-checkout clones when its `url` is not set. */
    cloneUrl?: string;
    /** Clone credential for https URLs; never logged, never stored in .git/config. */
    token?: string;
    /** The id of the flow trigger that started the run, if one did (its opts reach git-checkout on trigger.good). */
    trigger?: string;
    /** Form values and trigger data: `FLOE_DATA_<FIELD>` in every task's environment (DESIGN §3 rule 5). */
    data: Record<string, string>;
  };
  /** Absolute path of the run's workspace (see prepareWorkspace). */
  workspace: string;
  /** The runner's environment, the base of every task's (DESIGN §3 rule 4). */
  baseEnv: Record<string, string>;
  /** Where fetch keeps downloads, keyed by checksum, between runs. */
  cacheDir: string;
  /** Aborting it cancels the task: its process tree is interrupted, terminated, then killed. */
  signal: AbortSignal;
  /** From SIGINT to SIGKILL when cancelling; default 10 000 ms (SIGTERM at three quarters). */
  killGraceMs?: number;
  /** Told the process group id of each process the task starts (exec, and each git step), e.g. for the spool
   * (DESIGN §8 "Runner restarts"). Optional. */
  onProcess?: (pgid: number) => void;
  /** Receives the task's log: whole lines, stdout, stderr and floe's own `sys` lines apart. */
  onLog: (chunk: LogChunk) => void;
}

/** The task of a context narrowed to one type, for the executor of that type. */
export type TaskOf<T extends ResolvedTask['type']> = Extract<ResolvedTask, { type: T }>;
