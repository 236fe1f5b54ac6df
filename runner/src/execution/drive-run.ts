// The run driver: the one place where the pure engine (shared/src/engine) meets real processes. `floe run` and the
// runner daemon both drive runs through it (DESIGN §2).
//
// Its contract with the hub (DESIGN §5): every engine input it applies is reported, in order, as an `input`
// record numbered from 1 without gaps (after the `start` record); the hub applies the same inputs to its own copy
// of the run with the same engine, so applying the records' inputs to `startRun(flow, {at: start.at, data})`
// reproduces the driver's state exactly. Nothing reaches the engine any other way: task outcomes, the run
// deadline, cancel and form data all become inputs here.
import { mkdirSync, readdirSync } from 'node:fs';
import {
  type Effect,
  type EngineInput,
  type LogChunk,
  type ResolvedFlow,
  type RunRecord,
  type RunSpec,
  type RunState,
  runData,
  startRun,
  stepRun,
} from '@floe/shared';
import type { ArtifactHub } from '../artifacts/artifact-endpoint.js';
import type { CacheStore } from '../cache/cache-store.js';
import { executeTask } from '../executors/execute-task.js';
import { giveNewDirsToTaskUser, giveToTaskUser } from '../process/give-to-task-user.js';
import { removeSandboxDir } from '../process/remove-sandbox-dir.js';
import type { SpareSandboxes } from '../process/spare-sandboxes.js';
import { sweepEscapedProcesses } from '../process/sweep-escaped.js';
import type { RunSandbox, TaskSandbox } from '../process/task-sandbox.js';
import { dropWarmShells, warmSandbox } from '../process/warm-shell.js';
import { prepareWorkspace } from '../workspace/prepare-workspace.js';
import { injectSecrets } from './inject-secrets.js';
import { LogCap } from './log-cap.js';
import { type MaskStream, maskSecrets } from './mask-secrets.js';
import { measureText } from './measure-text.js';
import { readJunitReports } from './read-junit.js';
import { readSummary, removeSummary, summaryPath } from './read-summary.js';
import { runBaseEnv } from './run-base-env.js';
import { type CommandItem, TaskCommands } from './task-commands.js';

export interface DriveRunOptions {
  spec: RunSpec;
  /** The runner's work directory; workspaces are made under it (one per flow with `reuse-space`). */
  workDir: string;
  /** Where fetch tasks keep downloads between runs; default `<workDir>/cache`. */
  cacheDir?: string;
  /**
   * Where exec tasks' `cache:` is kept (cache/cache-store.ts): the runner's, with its cap, or `floe run`'s; default
   * none, and `cache:` is ignored.
   */
  caches?: CacheStore;
  /**
   * The runner's environment, the base of every task's (DESIGN §3, rule 4); default `process.env`. An untrusted
   * run's tasks get only its basics (workspace/minimal-env.ts).
   */
  baseEnv?: Record<string, string>;
  /**
   * Runs every task process in a sandbox as the task user (process/task-sandbox.ts; the daemon's, when it could
   * make one); default none (`floe run`). An untrusted run's tasks then have no network unless the spec allows it.
   */
  sandbox?: TaskSandbox;
  /**
   * Sandboxes prepared before their run (process/spare-sandboxes.ts): with `sandbox`, a run with a workspace of its
   * own takes one of its kind if one is waiting. Default none (`floe run`).
   */
  spares?: Pick<SpareSandboxes, 'take' | 'refill'>;
  /** Between the interrupt and the kill of a task's process tree; the executor's default when absent. */
  killGraceMs?: number;
  /**
   * Where the run's artifacts go and come from (artifacts/artifact-endpoint.ts): the runner daemon's hub, fenced by
   * the run's epoch; default none (`floe run` keeps no artifacts).
   */
  artifacts?: ArtifactHub;
  /** Told the process group of each process a task starts, e.g. for the spool (DESIGN §8 "Runner restarts"). */
  onProcess?: (node: string, attempt: number, pgid: number) => void;
  /**
   * The runner daemon's gate (DESIGN §5 "Offers and epochs"): the `start` record is emitted at once, but no task
   * executes, and no input is applied, until this resolves true; false ends the driver without executing
   * anything (the run is not this runner's). Default: start at once.
   */
  startWhen?: Promise<boolean>;
  /**
   * How many combinations of a matrix task without `max-parallel` run at once (the runner's slots), told to the
   * hub in the `start` record; default all of them.
   */
  parallel?: number;
  /** Called synchronously with each record, in seq order. It may call `cancel`/`data` (they are queued). */
  onRecord: (record: RunRecord) => void;
  /** The clock; default `Date.now`. */
  now?: () => number;
}

export interface RunDriver {
  /** Resolves with the final state once the run has ended and every task process is gone. Never rejects for a
   * task that failed; rejects only when the workspace cannot be made (an error of the runner, not the run). */
  readonly done: Promise<RunState>;
  /** Cancels the run (the engine kills what is running). No effect once the run has ended. */
  cancel(by?: string): void;
  /** Answers (or with `reject` refuses) the form of a `data` node awaiting input. */
  data(node: string, values: Record<string, string>, by?: string, reject?: boolean): void;
  /** Kills every process of the run at once (SIGKILL), without waiting for the kill ladder: a second Ctrl-C.
   * The engine still hears of it only through the tasks' outcomes; call `cancel` first to end the run. */
  kill(): void;
  /** The engine's current state. Throws before the `start` record (no state exists yet). */
  readonly state: RunState;
  /** The engine has ended the run, so every task of it has stopped: its slot is free, though `done` may still
   * wait for the workspace to be released. */
  readonly ended: boolean;
}

/** How many shell tasks a flow has (each may take a warm shell, retries and loops aside). */
function shellTasks(flow: ResolvedFlow): number {
  return flow.tasks.filter((task) => task.type === 'exec' && task.opts.shell !== undefined).length;
}

/** setTimeout refuses longer delays (it fires at once); a longer deadline is re-armed when this one fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Starts a run: prepares its workspace, starts the engine and executes what it asks for. */
export function driveRun(options: DriveRunOptions): RunDriver {
  const { spec, workDir, onRecord } = options;
  const now = options.now ?? Date.now;
  const flow = injectSecrets(spec.flow, spec.secrets);
  const mask = maskSecrets(Object.values(spec.secrets));
  const tasks = new Map(flow.tasks.map((node) => [node.id, node]));
  // A plain copy, once: every read of process.env crosses into C++, and each task copies its base.
  const runnerEnv = options.baseEnv ?? ({ ...process.env } as Record<string, string>);
  // Anything but a hub's explicit `trusted` is untrusted (RunSpec.trust defaults so too).
  const untrusted = spec.trust !== 'trusted';
  let baseEnv = runnerEnv;
  /** The run's sandbox, once its workspace is ready (when the runner sandboxes). */
  let runSandbox: RunSandbox | undefined;

  let state: RunState | undefined;
  /** Inputs wait in the queue until the gate opens (startWhen). */
  let gated = options.startWhen !== undefined;
  let seq = 0;
  let finished = false;
  const queue: Array<(at: number) => EngineInput> = [];
  let draining = false;
  /** The attempt of each task now executing, by node: aborting it runs the kill ladder. */
  const running = new Map<string, AbortController>();
  /** The process groups of the tasks now executing, with the node and execution id (FLOE_EXEC_ID) of each. */
  const groups = new Map<number, { node: string; execId: string }>();
  /** Each node's log cap (log-cap.ts), when the hub set one. */
  const caps = new Map<string, LogCap>();
  /** Lines sent of each node's log (all attempts), so that an annotation can name the line that printed it. */
  const linesSent = new Map<string, number>();
  /** The nodes whose log, as sent so far, ends inside a line. */
  const midLine = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let armedFor: number | undefined;
  let workspacePath = '';
  let settle: () => void = () => {};
  const idle = new Promise<void>((resolve) => {
    settle = resolve;
  });

  const emit = (record: RunRecord) => onRecord(record);

  // Inputs are applied one at a time, in the order they were asked for: a task finishing while the previous
  // input's effects are being handled (or onRecord calling `data`) waits its turn, so records stay in order.
  const enqueue = (input: (at: number) => EngineInput) => {
    if (finished) return;
    queue.push(input);
    if (state) drain();
  };

  const drain = () => {
    if (draining || !state || gated) return;
    draining = true;
    try {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const input = next(now());
        const step = stepRun(flow, state, input);
        state = step.state;
        emit({ kind: 'input', seq: ++seq, input });
        handle(step.effects);
      }
    } finally {
      draining = false;
    }
    checkIdle();
  };

  const handle = (effects: Effect[]) => {
    for (const effect of effects) {
      if (effect.type === 'execute') execute(effect.node, effect.attempt);
      else if (effect.type === 'kill') running.get(effect.node)?.abort();
    }
    armDeadline();
  };

  const execute = (node: string, attempt: number) => {
    const task = tasks.get(node);
    const abort = new AbortController();
    // One cap per node, for all its attempts: the hub keeps one log per node.
    let cap = caps.get(node);
    if (!cap && spec.logCapBytes !== undefined) {
      cap = new LogCap(spec.logCapBytes);
      caps.set(node, cap);
    }
    // One masking stream per output stream: a secret split across two chunks is still masked (mask-secrets.ts).
    const masking = new Map<LogChunk['stream'], MaskStream>();
    let lastAt = now();
    const started: number[] = [];
    const sendLog = (sent: LogChunk) => {
      // floe's own lines start on a line of their own, also after output that ended without a newline (the task's
      // bytes are kept as they were: log-chunk.ts).
      const chunk = sent.stream === 'sys' && midLine.has(node) ? { ...sent, text: `\n${sent.text}` } : sent;
      if (chunk.text.endsWith('\n')) midLine.delete(node);
      else midLine.add(node);
      linesSent.set(node, (linesSent.get(node) ?? 0) + measureText(chunk.text).lines);
      emit({ kind: 'log', seq: ++seq, node, attempt, chunk });
    };
    const log = (chunk: LogChunk) => {
      for (const sent of cap ? cap.push(chunk) : [chunk]) sendLog(sent);
    };
    // Commands in the output (task-commands.ts), read after masking so that no annotation holds a secret.
    const commands = new TaskCommands(workspacePath);
    const take = (items: CommandItem[]) => {
      for (const item of items) {
        if ('chunk' in item) {
          log(item.chunk);
          continue;
        }
        // The command's line was the last one logged, unless the log cap holds it back (its place is unknown).
        const logLine = !cap || cap.passing ? linesSent.get(node) : undefined;
        const report = logLine ? { ...item.annotation, logLine } : item.annotation;
        emit({ kind: 'report', seq: ++seq, node, attempt, report });
      }
    };
    const summaryFile = task?.type === 'exec' ? summaryPath(workspacePath, node, attempt) : undefined;
    const finish = (outcome: Extract<EngineInput, { type: 'task-finished' }>['outcome']) => {
      for (const [stream, masker] of masking) {
        const text = masker.end();
        if (text) take(commands.write({ stream, at: lastAt, text }));
      }
      masking.clear();
      take(commands.end(now()));
      for (const held of cap?.flush(now()) ?? []) sendLog(held);
      if (summaryFile) {
        const summary = readSummary(summaryFile, mask.mask);
        if (summary) emit({ kind: 'report', seq: ++seq, node, attempt, report: summary });
      }
      const junit = task?.type === 'exec' ? task.reports?.junit : undefined;
      if (junit !== undefined && outcome.kind !== 'cancelled') {
        const report = readJunitReports(workspacePath, typeof junit === 'string' ? [junit] : junit, mask.mask);
        emit({ kind: 'report', seq: ++seq, node, attempt, report });
      }
      for (const pgid of started) groups.delete(pgid);
      if (running.get(node) === abort) running.delete(node);
      enqueue((at) => ({ type: 'task-finished', node, attempt, outcome, at }));
      checkIdle();
    };
    if (!task || task.class === 'merge') {
      // The engine executes only tasks it knows; this guards against a flow changed under it.
      queueMicrotask(() => finish({ kind: 'error', message: `no task ${node} in the flow` }));
      return;
    }
    running.set(node, abort);
    // A previous life's (or attempt's) summary is not this attempt's.
    if (summaryFile) removeSummary(summaryFile);
    executeTask({
      flow,
      task,
      attempt,
      run: {
        id: spec.id,
        number: spec.number,
        repo: spec.repo,
        ref: spec.ref,
        sha: spec.sha,
        cloneUrl: spec.cloneUrl,
        trigger: spec.trigger,
        token: spec.token,
        trust: untrusted ? 'untrusted' : 'trusted',
        ...(spec.checkoutUrls ? { checkoutUrls: spec.checkoutUrls } : {}),
        data: state ? runData(state) : spec.data,
      },
      workspace: workspacePath,
      baseEnv,
      runnerEnv,
      ...(runSandbox ? { sandbox: runSandbox } : {}),
      cacheDir: options.cacheDir ?? `${workDir}/cache`,
      ...(options.caches ? { caches: options.caches } : {}),
      ...(options.artifacts ? { artifacts: options.artifacts } : {}),
      signal: abort.signal,
      killGraceMs: options.killGraceMs,
      onProcess: (pgid, execId) => {
        started.push(pgid);
        groups.set(pgid, { node, execId });
        options.onProcess?.(node, attempt, pgid);
      },
      ...(summaryFile ? { summaryFile } : {}),
      onLog: (chunk) => {
        const masker = masking.get(chunk.stream) ?? mask.stream();
        masking.set(chunk.stream, masker);
        lastAt = chunk.at;
        const text = masker.write(chunk.text);
        if (text) take(commands.write({ ...chunk, text }));
      },
    })
      .then(async (outcome) => {
        // git-checkout and fetch write as the runner: what they wrote becomes the task user's before any task runs.
        if (runSandbox && task.type !== 'exec' && task.type !== 'timer')
          await giveToTaskUser(runSandbox, workspacePath);
        return outcome;
      })
      .then(finish, (err: unknown) =>
        finish({ kind: 'error', message: err instanceof Error ? err.message : String(err) }),
      );
  };

  // One timer, armed for the run's deadline (DESIGN §8: default run timeout 6h), never polling.
  const armDeadline = () => {
    // An ending run only waits for its tasks to stop: time changes nothing any more.
    if (!state || state.ended || state.ending) {
      if (timer) clearTimeout(timer);
      timer = undefined;
      return;
    }
    if (armedFor === state.deadline && timer) return;
    if (timer) clearTimeout(timer);
    armedFor = state.deadline;
    const delay = Math.max(0, state.deadline - now());
    timer = setTimeout(
      () => {
        timer = undefined;
        if (!state || state.ended) return;
        if (now() >= state.deadline) enqueue((at) => ({ type: 'tick', at }));
        else {
          armedFor = undefined;
          armDeadline();
        }
      },
      Math.min(delay, MAX_TIMER_MS),
    );
  };

  const checkIdle = () => {
    if (state?.ended && running.size === 0 && !draining && queue.length === 0) {
      finished = true;
      if (timer) clearTimeout(timer);
      settle();
    }
  };

  const done = (async () => {
    // Nothing more in the caller's turn: the runner daemon's accept goes out as soon as this returns, and the hub
    // stores it while the workspace is made here (DESIGN §5 "Offers and epochs").
    await undefined;
    // An untrusted run never shares a workspace: whatever the flow says, it gets a fresh one of its own.
    const fresh = untrusted || !flow['reuse-space'];
    const network = !untrusted || spec.network === true;
    // A sandbox started before the offer (spare-sandboxes.ts): the run's workspace and home are made in its box.
    const spare = options.sandbox && fresh ? options.spares?.take({ trusted: !untrusted, network }) : undefined;
    let workspace: Awaited<ReturnType<typeof prepareWorkspace>>;
    try {
      workspace = await prepareWorkspace({
        workDir,
        flow: fresh ? { ...flow, 'reuse-space': false } : flow,
        runId: spec.id,
        ...(spare ? { box: spare.box } : {}),
      });
    } catch (err) {
      await spare?.release();
      throw err;
    }
    workspacePath = workspace.path;
    const sandboxed = options.sandbox !== undefined;
    // A sandboxed task cannot reach the runner's home; an untrusted one must not: both get one of the run's.
    const home = untrusted || sandboxed ? `${workspace.path}.home` : undefined;
    // The run's /tmp, shared by its tasks.
    const tmp = sandboxed ? (spare?.tmp ?? `${workspace.path}.tmp`) : undefined;
    try {
      if (home) mkdirSync(home, { recursive: true, mode: 0o700 });
      baseEnv = runBaseEnv(runnerEnv, { untrusted, home, sandbox: options.sandbox });
      if (options.sandbox && home && tmp) {
        mkdirSync(tmp, { recursive: true, mode: 0o700 });
        runSandbox = {
          sandbox: options.sandbox,
          workspace: workspace.path,
          home,
          tmp,
          network,
          shellEnv: baseEnv,
          // A run of one shell task (most runs of a busy hub) warms one shell, not a spare that nothing takes.
          warmShells: shellTasks(flow) > 1 ? 2 : 1,
          ...(spare ? { box: spare.box } : {}),
        };
        // A shared workspace and its home keep what earlier runs left: all of it; a fresh run's three are empty.
        // (A run given to this runner again at a newer epoch finds its workspace as it was left.)
        if (readdirSync(workspace.path).length > 0) await giveToTaskUser(runSandbox, workspace.path, home, tmp);
        else giveNewDirsToTaskUser(runSandbox, workspace.path, home, tmp);
        if (!spare?.adopt(runSandbox)) warmSandbox(runSandbox);
      }
      const at = now();
      const parallel = options.parallel === undefined ? {} : { parallel: options.parallel };
      const start = startRun(flow, { at, data: spec.data, replay: spec.replay as never, ...parallel });
      state = start.state;
      emit({ kind: 'start', seq: ++seq, at, ...parallel });
      if (options.startWhen && !(await options.startWhen)) {
        // Not this runner's run: nothing executes, and nothing more is reported.
        finished = true;
        if (timer) clearTimeout(timer);
        return state;
      }
      gated = false;
      draining = true;
      try {
        handle(start.effects);
      } finally {
        draining = false;
      }
      drain();
      await idle;
      return state;
    } finally {
      if (runSandbox) await dropWarmShells(runSandbox);
      // A reuse-space flow's home keeps its caches for the next run, like its workspace.
      if (home && (untrusted || !flow['reuse-space'])) removeSandboxDir(home);
      if (tmp) removeSandboxDir(tmp);
      await workspace.release();
      await spare?.release();
      void options.spares?.refill();
    }
  })();

  return {
    done,
    cancel: (by) => enqueue((at) => ({ type: 'cancel', by, at })),
    data: (node, values, by, reject) => enqueue((at) => ({ type: 'data', node, values, by, reject, at })),
    // Each running task's process group, then every process carrying its execution id (DESIGN §3 rule 4): the
    // rest of each running task's tree, in its process group or not. By execution id, not by run and node id:
    // after a re-queue another runner on this machine may be running the same run's same task.
    kill: () => {
      for (const pgid of groups.keys()) {
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
      for (const { node, execId } of groups.values()) sweepEscapedProcesses(spec.id, node, execId);
    },
    get state() {
      if (!state) throw new Error('the run has not started yet');
      return state;
    },
    get ended() {
      return state?.ended !== undefined;
    },
  };
}
