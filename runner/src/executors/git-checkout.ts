import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type LogChunk, repoName, type TaskOutcome, TRIGGER_GOOD, triggerCheckout } from '@floe/shared';
import { takeBackClone } from '../process/give-to-task-user.js';
import { runProcess } from '../process/run-process.js';
import { resolveInWorkspace } from '../workspace/resolve-in-workspace.js';
import { buildTaskEnv } from '../workspace/task-env.js';
import { sysLine } from './sys-line.js';
import type { TaskContext, TaskOf } from './task-context.js';

/**
 * The git-checkout task (and the old `git-merge`, DESIGN §8): a shallow fetch (`depth`, default 1) of one ref of
 * a repository, checked out, detached, into the workspace.
 * - The repository is `url`; else, for a task listening to `trigger.good`, the `url` of the trigger that started
 *   the run (the original merged a trigger's opts into that event: shared/src/flow/trigger-checkout.ts); else the
 *   run's repository, `ctx.run.cloneUrl`.
 * - `ref` (old name `branch`) is a branch, a tag, a full ref or a commit sha; default the trigger's `branch` (a
 *   form value `branch` first) as above; else, for the run's own repository, the run's sha, else its ref; else the
 *   remote's HEAD. Every case is
 *   `git init` + `git fetch --depth N origin <ref>` + `git checkout --detach FETCH_HEAD`, so a commit sha works
 *   like a branch (which `git clone --branch` cannot do).
 * - The directory: a repository named by `url` or by a trigger goes into `<sub-dir>/<repository name>`, as the
 *   original's `git clone` in `<sub-dir>` laid it out; the run's own repository goes into `sub-dir` itself. With
 *   no `sub-dir`, both are `<repository name>` (`…/floe.git` → `floe`). It must stay inside the workspace, and
 *   be empty or already hold a clone (a reuse-space workspace fetches into it).
 * - `git-merge` was a stub in the original that failed without `from-branch`; it still does (so the original's
 *   flows end as they did), and otherwise checks out like git-checkout without merging anything.
 * - `ctx.run.token` is minted for the run's own repository (`ctx.run.cloneUrl`) and goes only there: to the fetch
 *   step's git alone, through its environment (an `http.<cloneUrl>.extraHeader` in GIT_CONFIG_*, so git sends it
 *   to that URL and nothing else), only over https, with redirects off. It is never in a command line,
 *   .git/config, a task's environment, the log or a message; it is also masked in git's output.
 * - Git runs with the runner's environment (ctx.runnerEnv), not the task's: an untrusted flow's `env` cannot
 *   point git elsewhere (proxies, `GIT_SSL_NO_VERIFY`, `GIT_CONFIG_*`). A trusted flow's `env` still applies (an
 *   ssh command for another repository).
 * - An untrusted run checks out only its own repositories (`cloneUrl`, `ctx.run.checkoutUrls`; docs/security.md).
 * Git runs through `runProcess` like exec, so cancel, timeout and the process-tree sweep apply to it as well.
 * Resolves `exited 0`, `error` naming the failing git step and git's last message, or `cancelled`.
 */
export async function executeGitCheckout(
  ctx: TaskContext,
  task: TaskOf<'git-checkout' | 'git-merge'>,
): Promise<TaskOutcome> {
  const opts = task.opts ?? { depth: 1 };
  const onTrigger = task.listen === TRIGGER_GOOD;
  const fromTrigger = onTrigger ? triggerCheckout(ctx.flow, ctx.run.trigger, ctx.run.data) : {};
  if (task.type === 'git-merge' && !opts['from-branch'] && !(onTrigger && ctx.run.data['from-branch'])) {
    return {
      kind: 'error',
      message: `git-merge task ${task.id} has no from-branch (the original's git-merge failed without it too); write type: git-checkout to check out without merging`,
    };
  }
  const url = opts.url ?? fromTrigger.url ?? ctx.run.cloneUrl;
  if (!url) return { kind: 'error', message: 'no repository to check out: set opts.url' };
  // The run's sha and ref belong to the run's repository: another one is checked out at its default branch.
  const ref =
    opts.ref ??
    opts.branch ??
    fromTrigger.ref ??
    (url === ctx.run.cloneUrl ? (ctx.run.sha ?? ctx.run.ref ?? 'HEAD') : 'HEAD');
  // A form value can be a ref: one git would read as an option, or with control bytes, is refused.
  if (!/^[^\s\x00-\x1f\x7f-][^\s\x00-\x1f\x7f]*$/.test(ref)) {
    return { kind: 'error', message: `cannot check out ${JSON.stringify(ref)}: not a branch, tag or commit name` };
  }
  const depth = opts.depth ?? 1;
  const named = opts.url !== undefined || fromTrigger.url !== undefined;
  const into = named ? join(opts['sub-dir'] ?? '', repoName(url)) : opts['sub-dir'] || repoName(url);
  if (ctx.run.trust === 'untrusted') {
    const own = [ctx.run.cloneUrl, ...(ctx.run.checkoutUrls ?? [])].filter((u): u is string => u !== undefined);
    if (!own.includes(url)) {
      return {
        kind: 'error',
        message: `an untrusted run checks out only its own repositories (${own.map(hideUserInfo).join(', ') || 'none'}); ${hideUserInfo(url)} is refused`,
      };
    }
  }
  // Both reach git as arguments: neither may pass for an option.
  if (url.startsWith('-') || ref.startsWith('-')) {
    return { kind: 'error', message: `cannot check out ${ref} of ${hideUserInfo(url)}: neither may start with -` };
  }

  const inside = await resolveInWorkspace(ctx.workspace, into, 'sub-dir');
  if (!inside.ok) return { kind: 'error', message: inside.message };
  const dir = inside.path;
  const state = await directoryState(dir);
  if (state === 'not-empty') {
    return { kind: 'error', message: `cannot check out into ${into}: it is not empty` };
  }
  // A clone the sandboxed tasks have had: what they may have written into its .git must not run as the runner.
  if (state === 'clone' && ctx.sandbox) await takeBackClone(ctx.sandbox, dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });

  const token = ctx.run.token;
  const secrets = token ? [token, basicAuth(token)] : [];
  const redact = (text: string) =>
    secrets.reduce((out, secret) => out.replaceAll(secret, '***'), hideUserInfo(lastProgress(text)));
  const env = {
    ...buildTaskEnv({
      matrix: task.combination?.values,
      baseEnv: ctx.runnerEnv,
      ...(ctx.run.trust === 'trusted' ? { flowEnv: ctx.flow.env } : {}),
      workspace: ctx.workspace,
      flowId: ctx.flow.id,
      nodeId: task.id,
      run: ctx.run,
    }),
    GIT_TERMINAL_PROMPT: '0',
  };
  // The token is for the run's own repository, over https: any other URL is fetched without it.
  const withToken = token !== undefined && url === ctx.run.cloneUrl && /^https:\/\//i.test(url);
  if (token !== undefined && url === ctx.run.cloneUrl && !withToken) {
    sysLine(ctx, "not sending the run's token: it goes over https only");
  }
  const fetchEnv = { ...env };
  if (withToken) {
    addGitConfig(fetchEnv, `http.${url}.extraHeader`, `Authorization: Basic ${basicAuth(token)}`);
    addGitConfig(fetchEnv, 'http.followRedirects', 'false');
    // What a task may have left in the clone cannot run with the token in its environment.
    addGitConfig(fetchEnv, 'core.hooksPath', '/dev/null');
    addGitConfig(fetchEnv, 'core.fsmonitor', 'false');
  }

  let lastError = '';
  const onLog = (chunk: LogChunk) => {
    if (chunk.stream === 'err') {
      const lines = chunk.text.split(/[\r\n]/).filter((line) => line.trim() !== '');
      lastError = lines.at(-1) ?? lastError;
    }
    ctx.onLog(chunk);
  };
  const steps: [string, string[]][] = [
    ['init', ['init', '-q']],
    ['config', ['config', 'remote.origin.url', url]],
    ['fetch', ['fetch', `--depth=${depth}`, '--no-tags', '--progress', 'origin', ref]],
    ['checkout', ['-c', 'advice.detachedHead=false', 'checkout', '--force', '--detach', 'FETCH_HEAD']],
    ['log', ['log', '-1', '--format=checked out %H %s']],
  ];
  sysLine(ctx, redact(`checking out ${ref} of ${url} into ${into}`));
  for (const [step, args] of steps) {
    if (step !== 'config' && step !== 'log') sysLine(ctx, redact(`$ git ${args.join(' ')}`));
    lastError = '';
    const outcome = await runProcess({
      file: 'git',
      args,
      cwd: dir,
      env: step === 'fetch' ? fetchEnv : env,
      signal: ctx.signal,
      killGraceMs: ctx.killGraceMs,
      onLog,
      redact,
      logExit: false,
      onStart: ctx.onProcess,
    });
    if (outcome.kind === 'exited' && outcome.exitCode === 0) continue;
    if (outcome.kind !== 'exited') return outcome;
    const why = lastError ? `: ${redact(lastError.replace(/^(fatal|error): /, ''))}` : '';
    return {
      kind: 'error',
      message: redact(`git ${step} of ${ref} from ${url} failed (exit ${outcome.exitCode})${why}`),
    };
  }
  return { kind: 'exited', exitCode: 0 };
}

async function directoryState(dir: string): Promise<'absent' | 'empty' | 'clone' | 'not-empty'> {
  const entries = await readdir(dir).catch(() => undefined);
  if (!entries) return 'absent';
  if (entries.length === 0) return 'empty';
  const git = await stat(`${dir}/.git`).catch(() => undefined);
  return git?.isDirectory() ? 'clone' : 'not-empty';
}

function basicAuth(token: string): string {
  return Buffer.from(`x-access-token:${token}`).toString('base64');
}

/** Adds one git config entry through the environment (git ≥ 2.31), after any the runner already sets. */
function addGitConfig(env: Record<string, string>, key: string, value: string): void {
  const index = Number(env.GIT_CONFIG_COUNT ?? 0) || 0;
  env[`GIT_CONFIG_KEY_${index}`] = key;
  env[`GIT_CONFIG_VALUE_${index}`] = value;
  env.GIT_CONFIG_COUNT = String(index + 1);
}

/** Git redraws its progress with `\r`: keep only the last state of each line, not every redraw. */
function lastProgress(text: string): string {
  return text.replace(/[^\n]*\r(?=[^\n])/g, '');
}

/** `https://user:secret@host/x` → `https://***@host/x`: credentials written into a URL are not logged either. */
function hideUserInfo(text: string): string {
  return text.replace(/(\w+:\/\/)[^/@\s]+@/g, '$1***@');
}
