// `floe run`: a local run of a flow on this machine, with the same driver, engine and executors as a runner
// attached to a hub (DESIGN §2 "One command"). Exit 0 good, 1 bad or cancelled, 2 invalid file or usage.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { availableParallelism, homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type Diagnostic,
  inMatrixOrder,
  parseFloeFile,
  type ResolvedFlow,
  type RunRecord,
  type RunState,
  resolveFlowFile,
} from '@floe/shared';
import { fetchFlowFile } from '@floe/shared/node';
import { LocalCacheStore } from '../../cache/local-cache-store.js';
import { driveRun, type RunDriver } from '../../execution/drive-run.js';
import { completeForm } from '../../local/complete-form.js';
import { dataTaskFields, startFormFields } from '../../local/form-fields.js';
import { localGit } from '../../local/local-git.js';
import { parseDataArgs } from '../../local/parse-data-args.js';
import { promptForm } from '../../local/prompt-form.js';
import { readFileInside } from '../../local/read-file-inside.js';
import { createRunPrinter } from '../../local/run-printer.js';
import { endDeadCgroupLives } from '../../process/task-cgroup.js';
import { probeTaskSandbox, type TaskSandbox } from '../../process/task-sandbox.js';
import { bold, type CliCommand, type CliIo, dim, red, yellow } from '../cli-io.js';

const USAGE = `usage: floe run [FILE] [--flow ID] [--data KEY=VALUE …] [--work-dir DIR] [--json] [--sandbox]
                [--cache-dir DIR] [--cache-max-mb 2048]

Runs a flow of FILE (default ./FLOE.yaml) on this machine.
  --flow ID          the flow to run (needed when the file has several)
  --data K=V         a start-form field (K) or an answer for a data task (NODE.FIELD); repeatable
  --work-dir DIR     where workspaces go (default .floe/work)
  --json             live output on stderr; only the final JSON on stdout
  --cache-dir DIR    where tasks' \`cache:\` is kept (default $XDG_CACHE_HOME/floe/caches, else
                     ~/.cache/floe/caches), at most --cache-max-mb (least recently used go first;
                     0: none)
  --sandbox          run each task in the runner's sandbox (bubblewrap; as floe-task when root), to try a
                     flow the way a runner runs it; off by default: a local run is yours, as \`make\` is
Exit status: 0 good, 1 bad or cancelled, 2 invalid file or usage error.`;

export const command: CliCommand = {
  name: 'run',
  summary: 'run a flow of FLOE.yaml on this machine',
  usage: USAGE,
  run: runCommand,
};

async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const fail = (message: string) => {
    io.stderr.write(`floe run: ${message}\n`);
    return 2;
  };
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    return fail(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  if (args.values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.positionals.length > 1) return fail(`expected one FILE, got ${args.positionals.join(' ')}\n${USAGE}`);
  const cwd = io.cwd;
  const file = resolve(cwd, args.positionals[0] ?? 'FLOE.yaml');
  const shown = args.positionals[0] ?? 'FLOE.yaml';
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return fail(`cannot read ${shown}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }

  const parsed = parseFloeFile(text, shown);
  const ids = [...new Set(parsed.flowIds)];
  const listed = ids.length ? ` (flows: ${ids.join(', ')})` : '';
  let id = args.values.flow;
  if (id === undefined) {
    if (ids.length > 1) return fail(`${shown} holds several flows; choose one with --flow ID${listed}`);
    id = ids[0];
  }
  // DESIGN §8 "Lint severities": an error blocks only its own flow; errors of the file as a whole block all.
  const errors = parsed.diagnostics.filter(
    (d) => d.severity === 'error' && (d.flowId === undefined || d.flowId === id),
  );
  const flow = parsed.flows.find((f) => f.id === id);
  if (errors.length > 0 || !flow) {
    printDiagnostics(io, errors);
    if (id === undefined) return fail(`${shown} holds no flow`);
    if (!ids.includes(id)) return fail(`${shown} has no flow ${id}${listed}`);
    return fail(`flow ${id} has ${errors.length} error${errors.length === 1 ? '' : 's'}`);
  }
  // `flow-file` exactly as the hub reads it (shared/src/flow/resolve-flow-file.ts), from the working tree.
  const folder = dirname(file);
  const resolved = await resolveFlowFile(flow, {
    readPath: (path) => readFileInside(folder, path),
    fetchUrl: (url) => fetchFlowFile(url),
    file: shown,
    where: `${dirname(shown) === '.' ? 'the folder' : dirname(shown)} of ${shown}`,
  });
  if (resolved.errors) {
    for (const line of resolved.errors) io.stderr.write(`${line}\n`);
    return fail(`flow ${id} cannot run: its flow-file ${flow['flow-file']} cannot be used`);
  }
  return runFlow(resolved.flow, file, args.values, io, fail);
}

async function runFlow(
  flow: ResolvedFlow,
  file: string,
  options: ReturnType<typeof parse>['values'],
  io: CliIo,
  fail: (message: string) => number,
): Promise<number> {
  const dataArgs = parseDataArgs(options.data ?? [], flow);
  if ('error' in dataArgs) return fail(dataArgs.error);
  const { answers } = dataArgs.data;
  const interactive = Boolean(io.stdin.isTTY);
  const live = options.json ? io.stderr : io.stdout;

  const form = completeForm(startFormFields(flow), dataArgs.data.form);
  let data = form.values;
  if (form.missing.length > 0) {
    if (!interactive) {
      const ids = form.missing.map((f) => f.id);
      return fail(`the start form needs ${ids.join(', ')}; pass ${ids.map((id) => `--data ${id}=VALUE`).join(' ')}`);
    }
    const title = flow.triggers.find((t) => t.type === 'data');
    const values = await promptForm(
      (title?.type === 'data' && title.opts.form?.title) || `start ${flow.id}`,
      form.missing,
      { input: io.stdin, output: live },
    );
    if (!values) return fail('start form not filled in');
    data = { ...data, ...values };
  }

  // Tasks of an earlier `floe run` that was killed outright (its terminal closed, SIGKILL) die now, and their cgroups go.
  const left = await endDeadCgroupLives();
  if (left.length > 0) {
    io.stderr.write(
      `floe run: killed ${left.length} process${left.length > 1 ? 'es' : ''} an earlier floe run left running (${left.map((p) => `${p.pid} ${p.name}`).join(', ')})\n`,
    );
  }
  const git = await localGit(file);
  const cwd = io.cwd;
  const workDir = resolve(cwd, options['work-dir'] ?? '.floe/work');
  const cacheMaxMb = Number(options['cache-max-mb'] ?? 2048);
  if (!Number.isFinite(cacheMaxMb) || cacheMaxMb < 0)
    return fail(`--cache-max-mb must be a number of MiB, not ${options['cache-max-mb']}`);
  // One cache dir for all of this user's local runs, wherever they run from (like a package manager's).
  const cacheRoot = options['cache-dir']
    ? resolve(cwd, options['cache-dir'])
    : join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'floe', 'caches');
  const caches = cacheMaxMb > 0 ? new LocalCacheStore(cacheRoot, Math.round(cacheMaxMb * 2 ** 20)) : undefined;
  let sandbox: TaskSandbox | undefined;
  if (options.sandbox) {
    const probe = probeTaskSandbox({ workDir, taskUser: 'floe-task', binds: [], path: process.env.PATH ?? '' });
    if (!probe.ok) return fail(`--sandbox: ${probe.reason}`);
    sandbox = probe.sandbox;
  }
  const colour = options.json ? Boolean(io.stderr.isTTY) && !process.env.NO_COLOR : io.color;
  const printer = createRunPrinter(flow, live, colour);
  let needsInput: string | undefined;
  let driver: RunDriver | undefined;
  const handled = new Set<string>();
  let prompts = Promise.resolve();
  const interrupt = new AbortController();

  const onAwaitingInput = (node: string) => {
    const fields = dataTaskFields(flow, node) ?? [];
    const { values, missing } = completeForm(fields, answers[node] ?? {});
    if (missing.length === 0) return driver?.data(node, values, 'floe run');
    if (!interactive) {
      const first = missing[0]?.id ?? 'FIELD';
      needsInput = `task ${node} needs input (fields: ${missing.map((f) => f.id).join(', ')}); pass --data ${node}.${first}=VALUE`;
      return driver?.data(node, {}, 'floe run', true);
    }
    // One prompt at a time, even when two data tasks are reached together.
    prompts = prompts.then(async () => {
      const task = flow.tasks.find((t) => t.id === node);
      const title = task && 'type' in task && task.type === 'data' ? task.opts.form?.title : undefined;
      const typed = await promptForm(title ?? `input for ${node}`, missing, {
        input: io.stdin,
        output: live,
        signal: interrupt.signal,
        onInterrupt: () => process.emit('SIGINT'),
      });
      if (typed) driver?.data(node, { ...values, ...typed }, 'floe run');
    });
  };

  const onRecord = (record: RunRecord) => {
    if (!driver) return;
    const state = driver.state;
    printer.record(record, state);
    if (record.kind !== 'input' && record.kind !== 'start') return;
    for (const [id, node] of Object.entries(state.nodes)) {
      if (node.state === 'awaiting-input' && !handled.has(id)) {
        handled.add(id);
        onAwaitingInput(id);
      }
    }
  };

  driver = driveRun({
    spec: {
      id: `local-${randomUUID()}`,
      number: 1,
      flow,
      repo: git?.repo,
      ref: git?.ref,
      sha: git?.sha,
      cloneUrl: git?.topDir,
      data,
      secrets: {},
      // Your own machine and your own files: `floe run` runs them as you would.
      trust: 'trusted',
    },
    workDir,
    ...(sandbox ? { sandbox } : {}),
    // Your own machine: a matrix without max-parallel runs a combination per CPU (docs/runners.md "Matrices").
    parallel: availableParallelism(),
    ...(caches ? { caches } : {}),
    onRecord,
  });

  // Ctrl-C cancels the run (the engine kills every running task's process tree, DESIGN §5); a second one stops
  // waiting for the kill ladder and kills at once.
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    interrupt.abort();
    if (interrupts === 1) {
      live.write('⊘ cancelling (Ctrl-C again to kill at once)\n');
      driver?.cancel('Ctrl-C');
    } else driver?.kill();
  };
  process.on('SIGINT', onSigint);
  let state: RunState;
  try {
    state = await driver.done;
  } catch (err) {
    io.stderr.write(`floe run: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    interrupt.abort();
  }

  const result = state.ended?.result ?? 'cancelled';
  const reason = result !== 'good' && needsInput ? needsInput : (state.ended?.reason ?? 'the run did not end');
  printer.summary(state, reason);
  if (options.json) {
    const nodes = inMatrixOrder(flow.tasks).map((node) => {
      const run = state.nodes[node.id];
      return {
        id: node.id,
        state: run?.state ?? 'waiting',
        ...(run?.exitCode === undefined ? {} : { exitCode: run.exitCode }),
      };
    });
    io.stdout.write(`${JSON.stringify({ result, reason, nodes })}\n`);
  }
  return result === 'good' ? 0 : 1;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      flow: { type: 'string' },
      data: { type: 'string', multiple: true },
      'work-dir': { type: 'string' },
      json: { type: 'boolean' },
      sandbox: { type: 'boolean' },
      'cache-dir': { type: 'string' },
      'cache-max-mb': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** The same lines as `floe lint`, on stderr (coloured when stderr is a terminal). */
function printDiagnostics(io: CliIo, diagnostics: Diagnostic[]) {
  const look = { color: Boolean(io.stderr.isTTY) && !process.env.NO_COLOR };
  for (const d of diagnostics) {
    const severity = d.severity === 'error' ? red(look, 'error') : yellow(look, 'warning');
    io.stderr.write(`${bold(look, `${d.file}:${d.line}:${d.column}`)} ${severity} ${dim(look, d.code)} ${d.message}\n`);
    if (d.hint) io.stderr.write(`    hint: ${d.hint}\n`);
  }
}
