import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseFloeFile,
  type ResolvedFlow,
  type RunRecord,
  type RunState,
  startRun,
  stepRun,
  type Trust,
} from '@floe/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driveRun } from './drive-run.js';

/** A flow from FLOE.yaml text, through the real parser (the driver runs what the parser resolves). */
function flow(yaml: string): ResolvedFlow {
  const parsed = parseFloeFile(yaml);
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !parsed.flows[0]) throw new Error(errors.map((d) => d.message).join('\n'));
  return parsed.flows[0];
}

let workDir: string;
beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'floe-drive-'));
});
afterEach(async () => {
  await rm(workDir, { recursive: true, force: true });
});

function drive(
  f: ResolvedFlow,
  extra: {
    data?: Record<string, string>;
    secrets?: Record<string, string>;
    trust?: Trust;
    baseEnv?: Record<string, string>;
    startWhen?: Promise<boolean>;
  } = {},
) {
  const records: RunRecord[] = [];
  const driver = driveRun({
    spec: {
      id: 'run-1',
      number: 1,
      flow: f,
      data: extra.data ?? {},
      secrets: extra.secrets ?? {},
      trust: extra.trust ?? 'trusted',
    },
    ...(extra.baseEnv ? { baseEnv: extra.baseEnv } : {}),
    ...(extra.startWhen ? { startWhen: extra.startWhen } : {}),
    workDir,
    killGraceMs: 200,
    onRecord: (record) => records.push(record),
  });
  return { driver, records };
}

function logText(records: RunRecord[], node: string): string {
  return records
    .filter(
      (r): r is Extract<RunRecord, { kind: 'log' }> => r.kind === 'log' && r.node === node && r.chunk.stream !== 'sys',
    )
    .map((r) => r.chunk.text)
    .join('');
}

/** What the hub does with the records: the same engine, the same inputs, in order. */
function replay(f: ResolvedFlow, records: RunRecord[], data: Record<string, string> = {}): RunState {
  const [start, ...rest] = records;
  if (start?.kind !== 'start') throw new Error('the first record is not start');
  let state = startRun(f, { at: start.at, data }).state;
  for (const record of rest) if (record.kind === 'input') state = stepRun(f, state, record.input).state;
  return state;
}

describe('driveRun', () => {
  it('runs a flow to its end and reports every input it applied, numbered from 1 without gaps', async () => {
    const f = flow(`
id: f
tasks:
  - {id: build, type: exec, listen: trigger.good, opts: {shell: "echo building; echo warn >&2"}}
  - {id: a, type: exec, listen: task.build.good, opts: {shell: echo a}}
  - {id: b, type: exec, listen: task.build.good, opts: {shell: echo b}}
  - {id: both, class: merge, type: all, wait: [task.a.good, task.b.good]}
  - {id: done, type: end, listen: merge.both.good}
`);
    const { driver, records } = drive(f);
    const state = await driver.done;
    expect(state.ended).toMatchObject({ result: 'good', reasonCode: 'end' });
    expect(records[0]?.kind).toBe('start');
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i + 1));
    expect(logText(records, 'build')).toContain('building\n');
    expect(
      records.some(
        (r) => r.kind === 'log' && r.node === 'build' && r.chunk.stream === 'err' && r.chunk.text === 'warn\n',
      ),
    ).toBe(true);
    expect(replay(f, records)).toEqual(state);
  });

  it('logs a long line without a newline byte for byte, a secret split across reads masked, and its exit line apart', async () => {
    // 200 000 bytes of x, the secret in two reads, 100 000 bytes of y, no newline: pieces of one line.
    const f = flow(`
id: long
tasks:
  - id: talk
    type: exec
    listen: trigger.good
    opts: {shell: "head -c 200000 /dev/zero | tr '\\\\0' x; printf '%s' \\"\${TOKEN:0:8}\\"; sleep 0.2; printf '%s' \\"\${TOKEN:8}\\"; head -c 100000 /dev/zero | tr '\\\\0' y"}
`);
    const secret = 'hunter2-secret-value';
    const { driver, records } = drive(f, {
      secrets: { TOKEN: secret },
      baseEnv: { PATH: process.env.PATH ?? '', TOKEN: secret },
    });
    expect((await driver.done).ended?.result).toBe('good');
    expect(logText(records, 'talk')).toBe(`${'x'.repeat(200_000)}***${'y'.repeat(100_000)}`);
    const sys = records.flatMap((r) => (r.kind === 'log' && r.chunk.stream === 'sys' ? [r.chunk.text] : []));
    expect(sys.at(-1)).toBe('\nexited 0\n');
  });

  it('gives the hub the same final state from the records when tasks fail, retry and run in parallel', async () => {
    const f = flow(`
id: f
tasks:
  - {id: flaky, type: exec, listen: trigger.good, retry: 1, opts: {shell: "test -e flaked || { touch flaked; exit 3; }"}}
  - {id: x, type: exec, listen: task.flaky.good, opts: {shell: exit 2}}
  - {id: y, type: exec, listen: task.flaky.good, opts: {shell: sleep 0.1}}
`);
    const { driver, records } = drive(f);
    const state = await driver.done;
    expect(state.nodes.flaky).toMatchObject({ state: 'good', attempt: 2 });
    expect(state.ended).toMatchObject({ result: 'bad', reasonCode: 'unhandled-failure' });
    expect(replay(f, records)).toEqual(state);
  });

  it('runs the nodes fired by one event at the same time', async () => {
    // Each task waits for the other's file: run one after the other, they would wait until their timeout.
    const f = flow(`
id: f
tasks:
  - {id: left, type: exec, listen: trigger.good, timeout: 5s, opts: {shell: "touch left; while [ ! -e right ]; do sleep 0.01; done"}}
  - {id: right, type: exec, listen: trigger.good, timeout: 5s, opts: {shell: "touch right; while [ ! -e left ]; do sleep 0.01; done"}}
`);
    const state = await drive(f).driver.done;
    expect(state.nodes.left?.state).toBe('good');
    expect(state.nodes.right?.state).toBe('good');
  });

  it('cancels a run, kills its task and resolves once the process is gone', async () => {
    const f = flow(`
id: f
tasks:
  - {id: slow, type: exec, listen: trigger.good, opts: {shell: "echo started; sleep 30"}}
`);
    const records: RunRecord[] = [];
    const groups: [string, number, number][] = [];
    const driver = driveRun({
      spec: { id: 'run-1', number: 1, flow: f, data: {}, secrets: {}, trust: 'trusted' },
      workDir,
      killGraceMs: 200,
      onRecord: (record) => records.push(record),
      onProcess: (node, attempt, pgid) => groups.push([node, attempt, pgid]),
    });
    const seen = setInterval(() => {
      if (logText(records, 'slow').includes('started')) {
        clearInterval(seen);
        driver.cancel('ann');
      }
    }, 10);
    const state = await driver.done;
    expect(state.ended).toMatchObject({ result: 'cancelled', reasonCode: 'cancelled' });
    expect(state.nodes.slow?.state).toBe('cancelled');
    expect(findProcesses('run-1')).toEqual([]);
    expect(groups).toEqual([['slow', 1, expect.any(Number)]]);
    expect(replay(f, records)).toEqual(state);
  });

  it('kills at once on kill(), without waiting out the grace of a task that ignores signals', async () => {
    const f = flow(`
id: f
tasks:
  - {id: stubborn, type: exec, listen: trigger.good, opts: {shell: "trap '' INT TERM; echo started; sleep 30 & wait; sleep 30"}}
`);
    const records: RunRecord[] = [];
    const driver = driveRun({
      spec: { id: 'run-kill', number: 1, flow: f, data: {}, secrets: {}, trust: 'trusted' },
      workDir,
      killGraceMs: 20_000,
      onRecord: (record) => records.push(record),
    });
    await until(() => logText(records, 'stubborn').includes('started'));
    driver.cancel('ann');
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    driver.kill();
    const state = await driver.done;
    // Without waiting out the 20 s grace the ladder would give.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(state.ended).toMatchObject({ result: 'cancelled' });
    expect(findProcesses('run-kill')).toEqual([]);
  });

  it("kills only its own tasks on kill(): another runner's copy of the same run and task lives on", async () => {
    // After a re-queue, a second runner on this machine may run the same task of the same run; the first
    // runner's hard kill must not take it (the marks it shares are the run and node ids, not the execution id).
    const other = spawn('sleep', ['60'], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, FLOE_RUN_ID: 'run-twin', FLOE_NODE_ID: 'work', FLOE_EXEC_ID: 'another-runner' },
    });
    try {
      await until(() => findProcesses('run-twin').includes(other.pid ?? -1));
      const f = flow(`
id: f
tasks:
  - {id: work, type: exec, listen: trigger.good, opts: {shell: "setsid sleep 60 & echo started; wait"}}
`);
      const records: RunRecord[] = [];
      const driver = driveRun({
        spec: { id: 'run-twin', number: 1, flow: f, data: {}, secrets: {}, trust: 'trusted' },
        workDir,
        killGraceMs: 200,
        onRecord: (record) => records.push(record),
      });
      await until(() => logText(records, 'work').includes('started'));
      driver.cancel('ann');
      driver.kill();
      await driver.done;
      await until(() => findProcesses('run-twin').length === 1);
      // The task's own tree, the setsid escapee included, is gone; the other runner's copy is not.
      expect(findProcesses('run-twin')).toEqual([other.pid]);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('ends the run at its deadline with one timer tick', async () => {
    const f = flow(`
id: f
timeout: 300ms
tasks:
  - {id: slow, type: exec, listen: trigger.good, opts: {shell: sleep 30}}
`);
    const { driver, records } = drive(f);
    const state = await driver.done;
    expect(state.ended).toMatchObject({ result: 'bad', reasonCode: 'timeout' });
    expect(records.filter((r) => r.kind === 'input' && r.input.type === 'tick')).toHaveLength(1);
    expect(replay(f, records)).toEqual(state);
  });

  it('waits for form input of a data task and gives its values to the tasks after it', async () => {
    const f = flow(`
id: f
tasks:
  - id: approve
    type: data
    listen: trigger.good
    opts: {form: {fields: [{id: ok}]}}
  - {id: after, type: exec, listen: task.approve.good, opts: {shell: 'echo "env=$FLOE_DATA_ENV ok=$FLOE_DATA_OK"'}}
`);
    const records: RunRecord[] = [];
    const driver = driveRun({
      spec: { id: 'run-1', number: 1, flow: f, data: { env: 'prod' }, secrets: {}, trust: 'trusted' },
      workDir,
      onRecord: (record) => {
        records.push(record);
        // Answering from inside onRecord must work: the driver queues it after the current input.
        if (record.kind === 'input' || record.kind === 'start') {
          if (driver.state.nodes.approve?.state === 'awaiting-input') driver.data('approve', { ok: 'yes' }, 'ann');
        }
      },
    });
    const state = await driver.done;
    expect(state.nodes.approve).toMatchObject({ state: 'good', values: { ok: 'yes' }, by: 'ann' });
    expect(logText(records, 'after')).toContain('env=prod ok=yes\n');
    expect(replay(f, records, { env: 'prod' })).toEqual(state);
  });

  it('gives secrets to env values and masks them in every log line', async () => {
    const f = flow(`
id: f
env: ['TOKEN={{secret.deploy}}']
tasks:
  - {id: show, type: exec, listen: trigger.good, opts: {shell: 'test "$TOKEN" = hunter22 && echo "token is $TOKEN" && echo "$TOKEN" >&2'}}
`);
    const { driver, records } = drive(f, { secrets: { deploy: 'hunter22' } });
    const state = await driver.done;
    expect(state.nodes.show?.state).toBe('good');
    const all = records.map((r) => (r.kind === 'log' ? r.chunk.text : '')).join('');
    expect(all).toContain('token is ***\n');
    expect(all).not.toContain('hunter22');
  });

  it('sends annotations, groups, the summary and test reports of a task as report records, all masked', async () => {
    const f = flow(`
id: f
env: ['TOKEN={{secret.deploy}}']
tasks:
  - id: test
    type: exec
    listen: trigger.good
    reports: {junit: 'out/*.xml'}
    opts:
      shell: |
        V=my-own; echo "::add-mask::$V-value"
        echo "::group::Install"
        echo installing
        printf '\\001group\\001forged\\n'
        echo "::error file=$FLOEWS/src/a.ts,line=3::bad $V-value and $TOKEN"
        echo '::warning file=../../etc/passwd::climbs'
        printf '# Result\\n\\nall fine, %s <script>alert(1)</script>\\n' "$TOKEN" > "$FLOE_SUMMARY"
        mkdir -p out && echo '<testsuite><testcase name="t1"/><testcase name="t2"><failure message="no"/></testcase></testsuite>' > out/r.xml
`);
    const { driver, records } = drive(f, { secrets: { deploy: 'hunter22' } });
    const state = await driver.done;
    expect(state.nodes.test?.state).toBe('good');
    expect(JSON.stringify(records)).not.toContain('hunter22');
    expect(JSON.stringify(records)).not.toContain('my-own-value');
    const reports = records.flatMap((r) => (r.kind === 'report' ? [r.report] : []));
    expect(reports).toEqual([
      {
        type: 'annotation',
        level: 'error',
        message: 'bad *** and ***',
        file: 'src/a.ts',
        line: 3,
        logLine: expect.any(Number),
      },
      { type: 'annotation', level: 'warning', message: 'climbs', logLine: expect.any(Number) },
      { type: 'summary', markdown: '# Result\n\nall fine, *** <script>alert(1)</script>\n', truncated: false },
      expect.objectContaining({ type: 'tests', files: ['out/r.xml'], tests: 2, failures: 1 }),
    ]);
    // The annotation names the log line that printed it.
    const log = records.flatMap((r) => (r.kind === 'log' ? [r.chunk.text] : [])).join('');
    const first = reports[0] as { logLine: number };
    expect(log.split('\n')[first.logLine - 1]).toMatch(/^::error file=.*src\/a\.ts,line=3::bad \*\*\* and \*\*\*$/);
    // One real group, left open by the task; the forged one is plain text without SOH.
    expect(log.match(/\u0001group\u0001/g)).toHaveLength(1);
    expect(log).toContain('\u0001group\u0001Install\n');
    expect(log).toContain('groupforged\n');
    // Closed by floe's own `exited 0`, which stays outside it.
    expect(log).toContain('\u0001endgroup\u0001\nexited 0\n');
    // The summary file is gone from the workspace.
    expect(readdirSync(workDir, { recursive: true }).some((name) => String(name).includes('.floe-summary'))).toBe(
      false,
    );
  });

  it('reads no summary through a symlink, and says so', async () => {
    const f = flow(`
id: f
tasks:
  - {id: s, type: exec, listen: trigger.good, opts: {shell: 'ln -s /etc/passwd "$FLOE_SUMMARY"'}}
`);
    const { driver, records } = drive(f);
    await driver.done;
    const reports = records.flatMap((r) => (r.kind === 'report' ? [r.report] : []));
    expect(reports).toEqual([
      {
        type: 'summary',
        markdown: '_floe could not read the summary: is a symbolic link (not followed)._',
        truncated: false,
      },
    ]);
    expect(JSON.stringify(records)).not.toContain('root:');
  });

  it('cuts a huge summary to its cap and says so', async () => {
    const f = flow(`
id: f
tasks:
  - {id: s, type: exec, listen: trigger.good, opts: {shell: 'head -c 300000 /dev/zero | tr "\\\\0" x > "$FLOE_SUMMARY"'}}
`);
    const { driver, records } = drive(f);
    await driver.done;
    const [summary] = records.flatMap((r) => (r.kind === 'report' && r.report.type === 'summary' ? [r.report] : []));
    expect(summary?.truncated).toBe(true);
    expect(Buffer.byteLength(summary?.markdown ?? '')).toBeLessThanOrEqual(64 * 1024);
    expect(summary?.markdown).toMatch(/cut: the summary was 300000 bytes, floe keeps 65536\._\n$/);
  });

  it("gives an untrusted run's tasks a minimal environment and a fresh HOME, never the runner's own", async () => {
    const f = flow(`
id: f
tasks:
  - {id: env, type: exec, listen: trigger.good, opts: {shell: "env | sort; echo home=$HOME; ls -A $HOME | wc -l"}}
`);
    const baseEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: '/home/runner',
      LANG: 'C.UTF-8',
      AWS_SECRET_ACCESS_KEY: 'runner-aws-secret',
      FLOE_TOKEN: 'runner-api-token',
      NPM_TOKEN: 'runner-npm-token',
    };
    const untrusted = drive(f, { trust: 'untrusted', baseEnv });
    await untrusted.driver.done;
    const seen = logText(untrusted.records, 'env');
    for (const value of ['runner-aws-secret', 'runner-api-token', 'runner-npm-token', '/home/runner']) {
      expect(seen).not.toContain(value);
    }
    expect(seen).toContain('LANG=C.UTF-8');
    expect(seen).toContain(`home=${join(workDir, 'runs', 'f-run-1.home')}\n0\n`);
    // The run's HOME goes with the run.
    expect(readdirSync(join(workDir, 'runs'))).toEqual(['f-run-1']);

    const trusted = drive(f, { baseEnv });
    await trusted.driver.done;
    expect(logText(trusted.records, 'env')).toContain('AWS_SECRET_ACCESS_KEY=runner-aws-secret');
  });

  it("removes an untrusted run's HOME with whatever its task left there, read-only directories too", async () => {
    const f = flow(`
id: f
tasks:
  - {id: fill, type: exec, listen: trigger.good, opts: {shell: "mkdir -p $HOME/a/b && echo x > $HOME/a/b/f && ln -s / $HOME/root && chmod 500 $HOME/a/b"}}
`);
    const run = drive(f, { trust: 'untrusted', baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    expect((await run.driver.done).ended?.result).toBe('good');
    expect(readdirSync(join(workDir, 'runs'))).toEqual(['f-run-1']);
  });

  it('never gives an untrusted run a reused workspace, whatever its flow says', async () => {
    const f = flow(`
id: f
reuse-space: true
tasks:
  - {id: mark, type: exec, listen: trigger.good, opts: {shell: "ls; echo $FLOEWS; touch left-by-$FLOE_RUN_ID"}}
`);
    const trusted = drive(f);
    await trusted.driver.done;
    expect(logText(trusted.records, 'mark')).toContain(join(workDir, 'flows', 'f', 'ws'));
    const untrusted = drive(f, { trust: 'untrusted' });
    await untrusted.driver.done;
    const seen = logText(untrusted.records, 'mark');
    expect(seen).not.toContain('left-by-run-1');
    expect(seen).toContain(join(workDir, 'runs', 'f-run-1'));
  });
});

async function until(probe: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !probe(); i++) await new Promise((r) => setTimeout(r, 10));
}

/** Pids of live processes whose environment carries FLOE_RUN_ID=runId. */
function findProcesses(runId: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(`FLOE_RUN_ID=${runId}`)) {
        const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
        if (!/\) [ZX] /.test(stat)) pids.push(Number(name));
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

describe('the start gate', () => {
  const marking = () =>
    flow(`id: gated
tasks:
  - {id: mark, type: exec, listen: trigger.good, opts: {shell: "echo ran >> ${workDir}/marks; echo done"}}
`);

  it('reports the start at once and executes nothing until the gate opens', async () => {
    let open: (mine: boolean) => void = () => undefined;
    const { driver, records } = drive(marking(), {
      startWhen: new Promise<boolean>((resolve) => {
        open = resolve;
      }),
    });
    await waitUntil(() => records.length > 0);
    expect(records).toEqual([{ kind: 'start', seq: 1, at: expect.any(Number) }]);
    expect(readdirSync(workDir)).not.toContain('marks');
    open(true);
    const state = await driver.done;
    expect(state.ended?.result).toBe('good');
    expect(readFileSync(join(workDir, 'marks'), 'utf8')).toBe('ran\n');
  });

  it("executes nothing when the run turns out not to be this runner's", async () => {
    const { driver, records } = drive(marking(), { startWhen: Promise.resolve(false) });
    await driver.done;
    expect(records.map((record) => record.kind)).toEqual(['start']);
    expect(readdirSync(workDir)).not.toContain('marks');
  });
});

async function waitUntil(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}
