import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFloeFile, type RunRecord, type Trust } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { RUN_MARK } from '../daemon/kill-leftovers.js';
import { driveRun } from '../execution/drive-run.js';
import { runBaseEnv } from '../execution/run-base-env.js';
import { SpareSandboxes } from './spare-sandboxes.js';
import { lookUpUser, probeTaskSandbox, type TaskSandbox } from './task-sandbox.js';

// A real sandbox as a real task user: root, bubblewrap and the floe-task user (test/prepare-machine.mjs makes it).
const canSandbox = process.getuid?.() === 0 && existsSync('/usr/bin/bwrap') && lookUpUser('floe-task') !== undefined;

const PATH = process.env.PATH ?? '/usr/bin:/bin';
/** The runner's life, the mark its spares start with; a run's tasks carry `<life>.<run id>`. */
const LIFE = 'life1';

interface Runner {
  workDir: string;
  sandbox: TaskSandbox;
  spares: SpareSandboxes;
  /** Runs one flow of a single shell task to its end; what the task printed. */
  run(
    id: string,
    script: string,
    options?: { trust?: Trust; network?: boolean; data?: Record<string, string> },
  ): Promise<string>;
}

async function runner(): Promise<Runner> {
  const workDir = await mkdtemp(join(tmpdir(), 'floe-spare-'));
  writeFileSync(join(workDir, 'credential.json'), '{"credential":"floe_runner_secret"}', { mode: 0o600 });
  const probe = probeTaskSandbox({ workDir, taskUser: 'floe-task', binds: [], path: PATH });
  if (!probe.ok) throw new Error(probe.reason);
  const { sandbox } = probe;
  // RUNNER_SECRET: one of the runner's own variables, which an untrusted run's tasks never get.
  const runnerEnv = { PATH, LANG: 'C.UTF-8', RUNNER_SECRET: 'runner-own-secret' };
  const spares = new SpareSandboxes({
    sandbox,
    workDir,
    shellEnv: (kind, home) =>
      runBaseEnv({ ...runnerEnv, [RUN_MARK]: LIFE }, { untrusted: !kind.trusted, home, sandbox }),
  });
  const run: Runner['run'] = async (id, script, options = {}) => {
    const parsed = parseFloeFile(
      `flows:\n  - id: f\n    tasks:\n      - {id: t, type: exec, listen: trigger.good, opts: {shell: ${JSON.stringify(script)}}}\n`,
    );
    const flow = parsed.flows[0];
    if (!flow) throw new Error(parsed.diagnostics.map((d) => d.message).join('\n'));
    const records: RunRecord[] = [];
    const driver = driveRun({
      spec: {
        id,
        number: 1,
        flow,
        data: options.data ?? {},
        secrets: {},
        trust: options.trust ?? 'trusted',
        ...(options.network ? { network: true } : {}),
      },
      workDir,
      baseEnv: { ...runnerEnv, [RUN_MARK]: `${LIFE}.${id}` },
      sandbox,
      spares,
      killGraceMs: 200,
      onRecord: (record) => records.push(record),
    });
    const state = await driver.done;
    const out = records.flatMap((r) => (r.kind === 'log' && r.chunk.stream === 'out' ? [r.chunk.text] : [])).join('');
    if (state.ended?.result !== 'good') throw new Error(`run ${id} ended ${state.ended?.result}: ${out}`);
    return out;
  };
  return { workDir, sandbox, spares, run };
}

/** What a task prints to tell whether it runs in a spare: the mark its shell started with (its /proc environ). */
const STARTED_WITH = `tr '\\0' '\\n' < /proc/$$/environ | sed -n 's/^${RUN_MARK}=/started-with=/p'`;

/** The boxes waiting, by the runner's view of `<workDir>/boxes`. */
function boxes(workDir: string): string[] {
  return readdirSync(join(workDir, 'boxes')).sort();
}

describe.skipIf(!canSandbox)('a spare sandbox', () => {
  it("is started before the run's offer, and the run's first shell task runs in it, in the run's paths as the task user", async () => {
    const { workDir, spares, run } = await runner();
    // The first run of its kind finds none; from its end on, one waits.
    expect(await run('r1', STARTED_WITH)).toBe(`started-with=${LIFE}.r1\n`);
    await spares.refill();
    const [box, tmp] = boxes(workDir);
    expect(tmp).toBe(`${box}.tmp`);
    const out = await run(
      'r2',
      [
        STARTED_WITH,
        'echo "now=$FLOE_RUNNER_MARK"',
        'id -un',
        'pwd',
        'echo "$HOME"',
        'echo t > /tmp/t && ls /tmp/t',
        'echo kept > mine',
      ].join('\n'),
    );
    const ws = join(workDir, 'boxes', box as string, 'f-r2');
    expect(out).toBe(`started-with=${LIFE}\nnow=${LIFE}.r2\nfloe-task\n${ws}\n${ws}.home\n/tmp/t\n`);
    // The run's end put its workspace at its place, removed its box, home and tmp; the next spare has a box of its own.
    expect(readFileSync(join(workDir, 'runs', 'f-r2', 'mine'), 'utf8')).toBe('kept\n');
    await spares.refill();
    const next = boxes(workDir);
    expect(next).toHaveLength(2);
    expect(next).not.toContain(box);
    await spares.close();
    expect(boxes(workDir)).toEqual([]);
  });

  it('is never reused: what a run left in its tmp, its home, its box or running is gone before the next run takes a spare', async () => {
    const { spares, run } = await runner();
    await run('r1', 'true');
    await spares.refill();
    const marker = `floe-spare-left-${process.pid}-${Date.now()}`;
    const left = await run(
      'r2',
      [
        'echo r2-secret > /tmp/left',
        'echo r2-secret > "$HOME/left"',
        'echo r2-secret > "$FLOEWS/../left" 2>/dev/null || echo box-read-only',
        `setsid bash -c 'exec -a ${marker} sleep 300' </dev/null >/dev/null 2>&1 &`,
        'echo "$FLOEWS"',
      ].join('\n'),
    );
    expect(left.split('\n')[0]).toBe('box-read-only');
    const leftIn = left.split('\n')[1] as string;
    expect(spawnSync('pgrep', ['-f', marker]).status).toBe(1);
    await spares.refill();
    const seen = await run(
      'r3',
      [
        STARTED_WITH,
        'cat /tmp/left "$HOME/left" 2>/dev/null || echo nothing-left',
        `ls -A "${leftIn}/.." 2>/dev/null || echo no-earlier-box`,
        'ls -A "$FLOEWS/.."',
      ].join('\n'),
    );
    expect(seen).toBe(`started-with=${LIFE}\nnothing-left\nno-earlier-box\nf-r3\nf-r3.home\n`);
    await spares.close();
  });

  it("cannot reach another spare's box or tmp, another run's workspace, nor the runner's credential", async () => {
    const { workDir, spares, run } = await runner();
    await run('r1', 'echo r1-secret > secret');
    await run('u1', 'true', { trust: 'untrusted' });
    await spares.refill();
    // Two spares wait: one for trusted runs, one for untrusted ones. Whatever is in them is another run's to be.
    const waiting = boxes(workDir).filter((name) => !name.endsWith('.tmp'));
    expect(waiting).toHaveLength(2);
    for (const box of waiting) {
      writeFileSync(join(workDir, 'boxes', box, 'planted'), 'box-secret');
      writeFileSync(join(workDir, 'boxes', `${box}.tmp`, 'planted'), 'tmp-secret');
    }
    const others = waiting.flatMap((box) => [join(workDir, 'boxes', box), join(workDir, 'boxes', `${box}.tmp`)]);
    const out = await run(
      'r2',
      [
        STARTED_WITH,
        ...others.map((dir) => `cat ${dir}/planted 2>/dev/null && echo ESCAPED || echo blocked`),
        `cat ${join(workDir, 'runs', 'f-r1', 'secret')} 2>/dev/null && echo ESCAPED || echo blocked`,
        `cat ${join(workDir, 'credential.json')} 2>/dev/null && echo ESCAPED || echo blocked`,
        `ls -A ${join(workDir, 'boxes')}`,
        'ls -A /tmp | grep -c planted || true',
      ].join('\n'),
    );
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe(`started-with=${LIFE}`);
    // Its own box is one of the two, the only one it sees; what the runner planted there (its tmp is its /tmp, not
    // at the tmp's path) is the only planted file it reads.
    const own = lines.at(-2) as string;
    expect(waiting).toContain(own);
    const expected = waiting.flatMap((box) =>
      box === own ? ['box-secretESCAPED', 'blocked'] : ['blocked', 'blocked'],
    );
    expect(lines.slice(1, -2)).toEqual([...expected, 'blocked', 'blocked']);
    expect(lines.at(-1)).toBe('1');
    await spares.close();
  });

  it("of an untrusted kind starts with an untrusted run's environment and no network, and a trusted one never serves it", async () => {
    const { spares, run } = await runner();
    const environ = `${STARTED_WITH}; tr '\\0' '\\n' < /proc/$$/environ | grep -c RUNNER_SECRET || true; grep -c : /proc/net/dev`;
    await run('r1', 'true');
    await spares.refill();
    // Only a trusted spare waits: the untrusted run starts its own sandbox.
    expect(await run('u1', environ, { trust: 'untrusted' })).toBe(`started-with=${LIFE}.u1\n0\n1\n`);
    await spares.refill();
    expect(await run('u2', environ, { trust: 'untrusted' })).toBe(`started-with=${LIFE}\n0\n1\n`);
    // One that may have network has a spare of its own kind.
    await run('n1', 'true', { trust: 'untrusted', network: true });
    await spares.refill();
    const open = await run('n2', environ, { trust: 'untrusted', network: true });
    expect(open.split('\n').slice(0, 2)).toEqual([`started-with=${LIFE}`, '0']);
    expect(Number(open.split('\n')[2])).toBeGreaterThan(1);
    expect(await run('r2', environ)).toMatch(new RegExp(`^started-with=${LIFE}\\n1\\n`));
    await spares.close();
  });
  it('closes even when a box cannot be removed, and the next life clears it', async () => {
    const { workDir, sandbox, spares, run } = await runner();
    await run('r8', 'true');
    await spares.refill();
    const box = boxes(workDir).find((name) => !name.endsWith('.tmp')) as string;
    // Something still mounted in the box (a sandbox's init leaving, on a busy machine): its removal fails (EBUSY).
    const held = join(workDir, 'boxes', box, 'held');
    mkdirSync(held);
    expect(spawnSync('mount', ['-t', 'tmpfs', 'none', held]).status).toBe(0);
    try {
      // The daemon awaits this on its way out: a rejection there made it exit 1 instead of its own status.
      await expect(spares.close()).resolves.toBeUndefined();
    } finally {
      spawnSync('umount', [held]);
    }
    expect(boxes(workDir)).toContain(box);
    new SpareSandboxes({ sandbox, workDir, shellEnv: () => ({}) });
    expect(boxes(workDir)).toEqual([]);
  });
});

describe('a runner starting again', () => {
  it('puts the workspaces its previous life left in boxes back at their places, and nothing a task made there', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'floe-spare-'));
    const boxesDir = join(workDir, 'boxes');
    const box = join(boxesDir, 'b1');
    mkdirSync(join(box, 'f-r9'), { recursive: true });
    writeFileSync(join(box, 'f-r9', 'built'), 'r9');
    // A task's own folders in its box, named like workspaces: no marker names them.
    mkdirSync(join(box, 'f-r8'));
    mkdirSync(join(box, 'f-r9.home'));
    writeFileSync(`${box}.workspace`, join(workDir, 'runs', 'f-r9'));
    mkdirSync(`${box}.tmp`);
    // Markers that do not name a place under runs/ are not followed.
    for (const [name, place] of [
      ['b2', '/etc/floe-test'],
      ['b3', join(workDir, 'runs', '..', 'credential')],
      ['b4', join(workDir, 'runs', 'a', 'b')],
    ] as const) {
      mkdirSync(join(boxesDir, name, 'x'), { recursive: true });
      writeFileSync(join(boxesDir, `${name}.workspace`), place);
    }
    const sandbox: TaskSandbox = { bwrap: '/usr/bin/bwrap', hide: [workDir], binds: [] };
    const spares = new SpareSandboxes({ sandbox, workDir, shellEnv: () => ({}) });
    expect(readFileSync(join(workDir, 'runs', 'f-r9', 'built'), 'utf8')).toBe('r9');
    expect(readdirSync(join(workDir, 'runs'))).toEqual(['f-r9']);
    expect(readdirSync(workDir).sort()).toEqual(['boxes', 'runs']);
    expect(boxes(workDir)).toEqual([]);
    expect(existsSync('/etc/floe-test')).toBe(false);
    await spares.close();
  });
});
