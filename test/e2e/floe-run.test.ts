// `floe run` end to end: the built CLI as a real process, in temp directories with real git repositories.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const main = join(root, 'runner/dist/cli/main.js');

const gitEnv = {
  GIT_AUTHOR_NAME: 'floe test',
  GIT_AUTHOR_EMAIL: 'test@floe.invalid',
  GIT_COMMITTER_NAME: 'floe test',
  GIT_COMMITTER_EMAIL: 'test@floe.invalid',
};

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `floe run …` in `cwd` with stdin not a terminal; `done` resolves when the process has exited. */
function start(cwd: string, args: string[]): { child: ChildProcess; done: Promise<Finished>; stderr: () => string } {
  const child = spawn(process.execPath, [main, 'run', ...args], {
    cwd,
    env: { ...process.env, ...gitEnv, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const done = new Promise<Finished>((resolve) => {
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done, stderr: () => stderr };
}

const floe = (cwd: string, ...args: string[]) => start(cwd, args).done;

/** The final JSON of `--json`: the only thing on stdout. */
function result(run: Finished): {
  result: string;
  reason: string;
  nodes: { id: string; state: string; exitCode?: number }[];
} {
  return JSON.parse(run.stdout);
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-run-e2e-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(text: string, name = 'FLOE.yaml'): Promise<string> {
  await writeFile(join(dir, name), text.trimStart());
  return name;
}

describe('floe run', () => {
  it('runs a good flow, exits 0 and prints only the final JSON on stdout with --json', async () => {
    await file(`
id: hello
tasks:
  - {id: build, type: exec, listen: trigger.good, opts: {shell: "echo built; echo careful >&2"}}
  - {id: done, type: end, listen: task.build.good}
`);
    const run = await floe(dir, '--json');
    expect(run.code).toBe(0);
    expect(result(run)).toEqual({
      result: 'good',
      reason: expect.any(String),
      nodes: [
        { id: 'build', state: 'good', exitCode: 0 },
        { id: 'done', state: 'good' },
      ],
    });
    // Live output goes to stderr under --json, each line prefixed by its node.
    expect(run.stderr).toMatch(/^build +\| built$/m);
    expect(run.stderr).toMatch(/^build +! careful$/m);
    expect(run.stderr).toContain('✔ build');
  });

  it('prints log lines, state changes, a summary table and the result line without --json', async () => {
    await file(`
id: hello
tasks:
  - {id: build, type: exec, listen: trigger.good, opts: {shell: "echo built"}}
`);
    const run = await floe(dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^▶ build$/m);
    expect(run.stdout).toMatch(/^build \| built$/m);
    expect(run.stdout).toMatch(/^✔ build \(\d+\.\ds\)$/m);
    expect(run.stdout).toMatch(/^node +state +exit +duration$/m);
    expect(run.stdout).toMatch(/^build +good +0 +\d+\.\ds$/m);
    expect(run.stdout).toMatch(/^✔ good: /m);
    expect(run.stdout).not.toContain('\x1b[');
  });

  it('prints groups under their name, annotations, test counts and the summary a task wrote', async () => {
    await file(`
id: hello
tasks:
  - id: build
    type: exec
    listen: trigger.good
    reports: {junit: "out/*.xml"}
    opts:
      shell: |
        echo "::group::Install"
        echo installing
        echo "::endgroup::"
        echo "::error file=src/a.ts,line=3::boom"
        printf '# Done\\n' > "$FLOE_SUMMARY"
        mkdir -p out && echo '<testsuite><testcase name="t"><failure message="no"/></testcase></testsuite>' > out/r.xml
`);
    const run = await floe(dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^build · ▸ Install\nbuild \| {3}installing\n/m);
    expect(run.stdout).toMatch(/^build \| ::error file=src\/a.ts,line=3::boom\nbuild · ✖ error src\/a\.ts:3: boom$/m);
    expect(run.stdout).toMatch(/^build · tests: 1 \(0 passed, 1 failed, 0 errors, 0 skipped\)\nbuild · ✖ t: no$/m);
    expect(run.stdout).toMatch(/^build · summary:\nbuild · {3}# Done$/m);
    expect(run.stdout).not.toContain('\u0001');
  });

  it('exits 1 when a task fails, with a reason naming the task', async () => {
    await file(`
id: failing
tasks:
  - {id: build, type: exec, listen: trigger.good, opts: {cmd: "true"}}
  - {id: test, type: exec, listen: task.build.good, opts: {shell: "echo broken; exit 2"}}
`);
    const run = await floe(dir, '--json');
    expect(run.code).toBe(1);
    const out = result(run);
    expect(out.result).toBe('bad');
    expect(out.reason).toContain('task test exited 2');
    expect(out.nodes).toContainEqual({ id: 'test', state: 'bad', exitCode: 2 });
    expect(run.stderr).toContain('✖ test exited 2');
  });

  it('exits 2 on an invalid file, printing each error at file:line:col', async () => {
    await file(`
id: broken
tasks:
  - id: build
    type: exec
    lisen: trigger.good
    opts: {cmd: "true"}
`);
    const run = await floe(dir, '--json');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/FLOE\.yaml:5:5 error unknown-key .*lisen/);
  });

  it('runs a valid flow of a file whose other flow has errors, and lists ids when --flow is missing', async () => {
    await file(`
flows:
  - id: ok
    tasks:
      - {id: a, type: exec, listen: trigger.good, opts: {cmd: "true"}}
  - id: bad
    tasks:
      - {id: b, type: exec, listen: trigger.good, opts: {cmd: "true"}, bogus: 1}
`);
    const good = await floe(dir, '--flow', 'ok', '--json');
    expect(good.code).toBe(0);
    expect(result(good).result).toBe('good');
    const blocked = await floe(dir, '--flow', 'bad');
    expect(blocked.code).toBe(2);
    expect(blocked.stderr).toMatch(/FLOE\.yaml:7:\d+ error unknown-key .*bogus/);
    const ambiguous = await floe(dir);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('--flow');
  });

  it('fills the start form from --data, and the values reach tasks as FLOE_DATA_<FIELD>', async () => {
    await file(`
id: deploy
triggers:
  - id: start
    type: data
    opts:
      form:
        fields:
          - {id: target, type: select, options: [staging, prod]}
          - {id: replicas, type: number}
          - {id: dry, type: bool, value: false}
tasks:
  - id: show
    type: exec
    listen: trigger.good
    opts: {shell: 'echo "target=$FLOE_DATA_TARGET replicas=$FLOE_DATA_REPLICAS dry=$FLOE_DATA_DRY"'}
`);
    const run = await floe(dir, '--json', '--data', 'target=prod', '--data', 'replicas=3');
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('target=prod replicas=3 dry=false');

    const badSelect = await floe(dir, '--data', 'target=moon', '--data', 'replicas=3');
    expect(badSelect.code).toBe(2);
    expect(badSelect.stderr).toContain('target is one of staging, prod');
    const badNumber = await floe(dir, '--data', 'target=prod', '--data', 'replicas=many');
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toContain('replicas is a number');
    const unknown = await floe(dir, '--data', 'colour=red');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no field colour');
    const missing = await floe(dir, '--data', 'target=prod');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--data replicas=VALUE');
    // A control character would reach the task's environment (and hide text in its log): refused before anything runs.
    const control = await floe(dir, '--data', 'target=prod', '--data', 'replicas=3\u001b[2K');
    expect(control.code).toBe(2);
    expect(control.stderr).toContain('--data replicas: field replicas holds a control character (U+001B) at index 1');
    expect(control.stderr).not.toContain('target=prod replicas');
  }, 60_000);

  it('answers a data task in advance with --data node.field=value, and the answer reaches later tasks', async () => {
    await file(`
id: gated
tasks:
  - {id: approve, type: data, listen: trigger.good, opts: {form: {fields: [{id: ok, type: bool}]}}}
  - {id: ship, type: exec, listen: task.approve.good, opts: {shell: 'echo "shipped ok=$FLOE_DATA_OK"'}}
`);
    const run = await floe(dir, '--json', '--data', 'approve.ok=yes');
    expect(run.code).toBe(0);
    expect(result(run).nodes).toContainEqual({ id: 'ship', state: 'good', exitCode: 0 });
    expect(run.stderr).toMatch(/^ship +\| shipped ok=true$/m);
  });

  it('fills a data task on trigger.good from a start form that carries its fields, and says so', async () => {
    await file(`
id: filled
triggers:
  - {id: start, type: data, opts: {form: {fields: [{id: branch}]}}}
tasks:
  - {id: confirm, type: data, listen: trigger.good, opts: {form: {fields: [{id: branch}]}}}
  - {id: use, type: exec, listen: task.confirm.good, opts: {shell: 'echo "branch=$FLOE_DATA_BRANCH"'}}
`);
    const run = await floe(dir, '--json', '--data', 'branch=main');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/✔ confirm filled from the trigger's data \(branch\)/);
    expect(run.stderr).toMatch(/^use +\| branch=main$/m);
  });

  it('counts a program that cannot start as exit 1, bad, so a listener of task.X.bad recovers (as the original)', async () => {
    await file(`
id: recover
tasks:
  - {id: build, type: exec, listen: trigger.good, opts: {cmd: no-such-program-floe --version}}
  - {id: fallback, type: exec, listen: task.build.bad, opts: {shell: "echo recovered"}}
`);
    const run = await floe(dir, '--json');
    expect(run.code).toBe(0);
    expect(result(run).nodes).toEqual([
      { id: 'build', state: 'bad', exitCode: 1 },
      { id: 'fallback', state: 'good', exitCode: 0 },
    ]);
    expect(run.stderr).toContain('cannot start no-such-program-floe: no such program (not found on PATH)');
  });

  it('fails a run that reaches a data task with no answer and no terminal, saying how to answer', async () => {
    await file(`
id: gated
tasks:
  - {id: approve, type: data, listen: trigger.good, opts: {form: {fields: [{id: ok, type: bool}]}}}
  - {id: ship, type: exec, listen: task.approve.good, opts: {shell: "echo shipped"}}
`);
    const run = await floe(dir, '--json');
    expect(run.code).toBe(1);
    const out = result(run);
    expect(out.result).toBe('bad');
    expect(out.reason).toBe('task approve needs input (fields: ok); pass --data approve.ok=VALUE');
    expect(out.nodes).toContainEqual({ id: 'ship', state: 'skipped' });
  });

  it.skipIf(!existsSync('/usr/bin/script'))('asks on a terminal for the start form and for a data task', async () => {
    await file(`
id: gated
triggers:
  - {id: start, type: data, opts: {form: {title: Deploy, fields: [{id: target, type: select, options: [staging, prod]}]}}}
tasks:
  - {id: approve, type: data, listen: trigger.good, opts: {form: {title: Approve?, fields: [{id: ok, type: bool}]}}}
  - {id: ship, type: exec, listen: task.approve.good, opts: {shell: 'echo "shipped to $FLOE_DATA_TARGET"'}}
`);
    // script(1) gives the command a pseudo-terminal, so stdin is a TTY as when a person runs it.
    const child = spawn('script', ['-qec', `${process.execPath} ${main} run`, '/dev/null'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      output += text;
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const answer = async (prompt: string, text: string) => {
      await waitFor(async () => (output.includes(prompt) ? true : undefined));
      child.stdin?.write(`${text}\r`);
    };
    await answer('target (staging/prod)', 'moon');
    await waitFor(async () => (output.includes('is one of staging, prod') ? true : undefined));
    child.stdin?.write('prod\r');
    await answer('ok (bool)', 'yes');
    expect(await closed).toBe(0);
    expect(output).toContain('shipped to prod');
    expect(output).toMatch(/✔ good: /);
  });

  it('cancels the run on SIGINT: exit 1, result cancelled, and the task processes are gone', async () => {
    await file(`
id: slow
tasks:
  - id: wait
    type: exec
    listen: trigger.good
    opts: {shell: 'sleep 60 & echo $! > pids; sh -c "sleep 60" & echo $! >> pids; echo started; wait'}
`);
    const run = start(dir, ['--json']);
    const pidsFile = await waitFor(async () => {
      const found = await readWorkspaceFile(join(dir, '.floe/work'), 'pids');
      return found && found.trim().split('\n').length === 2 ? found : undefined;
    });
    const pids = pidsFile.trim().split('\n').map(Number);
    expect(pids.every(alive)).toBe(true);
    run.child.kill('SIGINT');
    const finished = await run.done;
    expect(finished.code).toBe(1);
    expect(result(finished)).toMatchObject({ result: 'cancelled', nodes: [{ id: 'wait', state: 'cancelled' }] });
    expect(pids.filter(alive)).toEqual([]);
  });

  it('runs parallel branches, merges them and ends', async () => {
    // Each branch waits for the other's file: they pass only when they run at the same time.
    await file(`
id: diamond
tasks:
  - {id: left, type: exec, listen: trigger.good, timeout: 10s, opts: {shell: "touch left; while [ ! -e right ]; do sleep 0.01; done"}}
  - {id: right, type: exec, listen: trigger.good, timeout: 10s, opts: {shell: "touch right; while [ ! -e left ]; do sleep 0.01; done"}}
  - {id: both, class: merge, type: all, wait: [task.left.good, task.right.good]}
  - {id: done, type: end, listen: merge.both.good}
`);
    const run = await floe(dir, '--json');
    expect(run.code).toBe(0);
    expect(result(run).nodes).toEqual([
      { id: 'left', state: 'good', exitCode: 0 },
      { id: 'right', state: 'good', exitCode: 0 },
      { id: 'both', state: 'good' },
      { id: 'done', state: 'good' },
    ]);
  });

  it('runs a matrix task: each combination with its values, max-parallel at once, one event for the whole', async () => {
    // Each combination leaves a file while it runs; one that finds two others running at once fails.
    await file(`
id: matrix
tasks:
  - id: test
    type: exec
    listen: trigger.good
    timeout: 20s
    opts:
      shell: |
        touch "running-$FLOE_MATRIX_NODE-{{matrix.db}}"
        test "$(ls running-* | wc -l)" -le 2
        echo "node={{matrix.node}} db=$FLOE_MATRIX_DB id=$FLOE_NODE_ID"
        sleep 0.2
        rm "running-$FLOE_MATRIX_NODE-{{matrix.db}}"
    matrix:
      axes: {node: [18, 20], db: [pg, "my sql"]}
      exclude: [{node: 18, db: "my sql"}]
      include: [{node: 22, db: pg}]
      max-parallel: 2
  - {id: after, type: exec, listen: task.test.good, opts: {cmd: "true"}}
`);
    const run = await floe(dir, '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(result(run).nodes).toEqual([
      { id: 'test', state: 'good' },
      { id: 'test~node-18~db-pg', state: 'good', exitCode: 0 },
      { id: 'test~node-20~db-pg', state: 'good', exitCode: 0 },
      { id: 'test~node-20~db-my-sql', state: 'good', exitCode: 0 },
      { id: 'test~node-22~db-pg', state: 'good', exitCode: 0 },
      { id: 'after', state: 'good', exitCode: 0 },
    ]);
    expect(run.stderr).toContain('node=20 db=my sql id=test~node-20~db-my-sql');
    expect(run.stderr).toMatch(/^▶ test: 4 combinations$/m);
    expect(run.stderr).toMatch(/^ {2}test~node-22~db-pg +good +0 /m);
  });

  it('fails a matrix fast: the first bad combination cancels the others and fails the task', async () => {
    await file(`
id: matrix
tasks:
  - id: test
    type: exec
    listen: trigger.good
    opts: {shell: 'if [ "{{matrix.n}}" = 2 ]; then exit 3; fi; sleep 30'}
    matrix: {axes: {n: [1, 2, 3]}, max-parallel: 3}
`);
    const run = await floe(dir, '--json');
    expect(run.code).toBe(1);
    const out = result(run);
    expect(out.reason).toContain('task test test~n-2 exited 3 (fail-fast)');
    expect(out.nodes).toMatchObject([
      { id: 'test', state: 'bad' },
      { id: 'test~n-1', state: 'cancelled' },
      { id: 'test~n-2', state: 'bad', exitCode: 3 },
      { id: 'test~n-3', state: 'cancelled' },
    ]);
    // The sleeping combinations were stopped: the run does not wait out their 30 s.
    expect(run.stderr).toMatch(/^⊘ test~n-1 cancelled/m);
  });

  it('retries a failing task and counts the node once', async () => {
    await file(`
id: flaky
tasks:
  - {id: flaky, type: exec, listen: trigger.good, retry: 2, opts: {shell: "n=$(cat n 2>/dev/null || echo 0); echo $((n+1)) > n; test $n -ge 2"}}
`);
    const run = await floe(dir, '--json');
    expect(run.code).toBe(0);
    expect(result(run).nodes).toEqual([{ id: 'flaky', state: 'good', exitCode: 0 }]);
    expect(run.stderr).toContain('attempt 3 of 3');
  });

  it('kills a task at its timeout and counts it bad', async () => {
    await file(`
id: stuck
tasks:
  - {id: stuck, type: exec, listen: trigger.good, timeout: 300ms, opts: {shell: "sleep 30"}}
`);
    const run = await floe(dir, '--json');
    expect(run.code).toBe(1);
    const out = result(run);
    expect(out.result).toBe('bad');
    expect(out.reason).toContain('timed out');
    expect(out.nodes).toEqual([{ id: 'stuck', state: 'bad' }]);
  });

  it('ends a run at the flow timeout', async () => {
    await file(`
id: long
timeout: 500ms
tasks:
  - {id: long, type: exec, listen: trigger.good, opts: {shell: "sleep 30"}}
`);
    const run = await floe(dir, '--json');
    expect(run.code).toBe(1);
    const out = result(run);
    expect(out.result).toBe('bad');
    expect(out.reason).toMatch(/timed out after/);
    expect(out.nodes).toEqual([{ id: 'long', state: 'cancelled' }]);
  });

  it('checks out the repository holding the file, at its HEAD, by default', async () => {
    const repo = join(dir, 'repo');
    await mkdir(join(repo, 'sub'), { recursive: true });
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: repo, env: { ...process.env, ...gitEnv }, encoding: 'utf8' }).trim();
    git('init', '-q', '-b', 'main');
    await writeFile(join(repo, 'hello.txt'), 'committed\n');
    await writeFile(
      join(repo, 'sub/FLOE.yaml'),
      `id: co
tasks:
  - {id: checkout, type: git-checkout, listen: trigger.good, opts: {sub-dir: .}}
  - {id: show, type: exec, listen: task.checkout.good, opts: {shell: 'cat hello.txt; echo "sha=$(git rev-parse HEAD)"'}}
`,
    );
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    const sha = git('rev-parse', 'HEAD');
    await writeFile(join(repo, 'hello.txt'), 'not committed\n');
    const run = await floe(dir, 'repo/sub/FLOE.yaml', '--json');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^show +\| committed$/m);
    expect(run.stderr).toContain(`sha=${sha}`);
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A file of the run's workspace, wherever under the work dir the workspace is. */
async function readWorkspaceFile(workDir: string, name: string): Promise<string | undefined> {
  if (!existsSync(workDir)) return undefined;
  const found = execFileSync('find', [workDir, '-name', name], { encoding: 'utf8' }).trim().split('\n')[0];
  if (!found) return undefined;
  return readFile(found, 'utf8').catch(() => undefined);
}

/** Whether a process is alive (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

describe('floe run with flow-file', () => {
  const flowWith = (ref: string) => `
id: build
flow-file: ${JSON.stringify(ref)}
`;
  const TASKS = `
id: ignored
tasks:
  - {id: compile, type: exec, listen: trigger.good, opts: {shell: "echo compiled from the flow-file"}}
  - {id: done, type: end, listen: task.compile.good}
`;

  it('runs the tasks of a flow-file in the folder, as the hub does', async () => {
    await mkdir(join(dir, 'flows'));
    await file(TASKS, 'flows/tasks.yaml');
    await file(flowWith('flows/tasks.yaml'));
    const run = await floe(dir, '--json');
    expect(run.code).toBe(0);
    expect(result(run)).toMatchObject({ result: 'good', nodes: [{ id: 'compile', state: 'good' }, { id: 'done' }] });
    expect(run.stderr).toContain('compiled from the flow-file');
  });

  it.each([
    ['gone.yaml', /flow-file gone\.yaml is not in the folder of FLOE\.yaml/],
    ['http://flows.example.com/tasks.yaml', /plain http is refused/],
    ['https://127.0.0.1:1/tasks.yaml', /127\.0\.0\.1 is a private address/],
    ['https://169.254.169.254/latest/meta-data/', /a private address \(169\.254\.169\.254\)/],
    ['linked.yaml', /leads outside/],
    ['big.yaml', /larger than 1 MiB/],
  ])('fails, saying why, when the flow-file %s cannot be used (never a good run of nothing)', async (ref, why) => {
    const outside = await mkdtemp(join(tmpdir(), 'floe-outside-'));
    await writeFile(join(outside, 'tasks.yaml'), TASKS);
    execFileSync('ln', ['-s', join(outside, 'tasks.yaml'), join(dir, 'linked.yaml')]);
    await writeFile(join(dir, 'big.yaml'), `# ${'x'.repeat(1024 * 1024)}\n${TASKS}`);
    await file(flowWith(ref));
    const run = await floe(dir, '--json');
    await rm(outside, { recursive: true, force: true });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(why);
    expect(run.stderr).toContain('flow build cannot run');
    expect(run.stderr).not.toContain('compiled from the flow-file');
  });

  it('refuses a flow-file path that climbs out of the repository as a lint error', async () => {
    await file(flowWith('../tasks.yaml'));
    const run = await floe(dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('flow-file-invalid');
  });
});
