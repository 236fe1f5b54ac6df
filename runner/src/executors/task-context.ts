import type { LogChunk, ResolvedFlow, ResolvedTask, Trust } from '@floe/shared';
import type { ArtifactHub } from '../artifacts/artifact-endpoint.js';
import type { CacheStore } from '../cache/cache-store.js';
import type { RunSandbox } from '../process/task-sandbox.js';

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
    /**
     * A credential for `cloneUrl` only, given to git over https for that URL (git-checkout.ts); never logged, never
     * in .git/config, never in a task's environment.
     */
    token?: string;
    /** The id of the flow trigger that started the run, if one did (its opts reach git-checkout on trigger.good). */
    trigger?: string;
    /** `untrusted`: see docs/security.md; git-checkout fetches only `checkoutUrls`, fetch only public addresses. */
    trust: Trust;
    /** An untrusted run's own repositories (RunSpec.checkoutUrls); `cloneUrl` is always one. */
    checkoutUrls?: string[];
    /** Form values and trigger data: `FLOE_DATA_<FIELD>` in every task's environment (DESIGN §3 rule 5). */
    data: Record<string, string>;
  };
  /** Absolute path of the run's workspace (see prepareWorkspace). */
  workspace: string;
  /**
   * The base of every task's environment (DESIGN §3 rule 4): the runner's, or for an untrusted run a minimal one
   * (workspace/minimal-env.ts).
   */
  baseEnv: Record<string, string>;
  /** The runner's own environment, for the processes floe runs itself outside any task (git-checkout's git). */
  runnerEnv: Record<string, string>;
  /** The run's sandbox: exec tasks run in it, as the task user (process/task-sandbox.ts); absent: none. */
  sandbox?: RunSandbox;
  /**
   * The hub's artifact routes for this run (artifacts/artifact-endpoint.ts): `artifacts:` are uploaded there and
   * `fetch` takes other runs' artifacts from there. Absent (`floe run`): artifacts are not kept.
   */
  artifacts?: ArtifactHub;
  /** Where fetch keeps downloads, keyed by checksum, between runs. */
  cacheDir: string;
  /** Where exec tasks' `cache:` is kept (cache/cache-store.ts); absent: `cache:` is ignored. */
  caches?: CacheStore;
  /** Aborting it cancels the task: its process tree is interrupted, terminated, then killed. */
  signal: AbortSignal;
  /** From SIGINT to SIGKILL when cancelling; default 10 000 ms (SIGTERM at three quarters). */
  killGraceMs?: number;
  /** Told the process group id and execution id (its FLOE_EXEC_ID mark) of each process the task starts (exec,
   * and each git step), e.g. for the spool (DESIGN §8 "Runner restarts") and the run's hard kill. Optional. */
  onProcess?: (pgid: number, execId: string) => void;
  /** `$FLOE_SUMMARY` of this attempt (exec tasks; execution/read-summary.ts); absent: not set. */
  summaryFile?: string;
  /** Receives the task's log: whole lines, stdout, stderr and floe's own `sys` lines apart. */
  onLog: (chunk: LogChunk) => void;
}

/** The task of a context narrowed to one type, for the executor of that type. */
export type TaskOf<T extends ResolvedTask['type']> = Extract<ResolvedTask, { type: T }>;
