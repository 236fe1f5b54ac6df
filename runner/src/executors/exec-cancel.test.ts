import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from '../process/process-table.js';
import { canContainTasks } from '../process/task-cgroup.js';
import { type TestContext, testContext } from '../testing/test-context.js';
import { executeTask } from './execute-task.js';

/** Waits until the task has written `count` pids (one a line) to pids.txt in its workspace. */
async function pidsOf(t: TestContext, count: number): Promise<number[]> {
  for (let i = 0; i < 200; i++) {
    const text = await readFile(join(t.ctx.workspace, 'pids.txt'), 'utf8').catch(() => '');
    const pids = text.split('\n').filter(Boolean).map(Number);
    if (pids.length >= count) return pids;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the task did not start its processes');
}

describe('exec cancel and timeout', () => {
  it('kills the whole tree, grandchildren included, on cancel', async () => {
    const groups: number[] = [];
    const t = await testContext(
      {
        type: 'exec',
        opts: {
          shell:
            'echo $$ >> pids.txt; sleep 1000 & echo $! >> pids.txt; (sleep 1000 & echo $! >> pids.txt; wait) & wait',
        },
      },
      { onProcess: (pgid) => groups.push(pgid) },
    );
    const outcome = executeTask(t.ctx);
    const pids = await pidsOf(t, 3);
    t.cancel();
    expect(await outcome).toEqual({ kind: 'cancelled' });
    for (const pid of pids) expect(isProcessAlive(pid)).toBe(false);
    // The shell leads its own process group, which the spool can be told of.
    expect(groups).toEqual([pids[0]]);
    expect(t.text('sys')).toContain('sent SIGINT');
  });

  it('terminates, then kills, a task that ignores SIGINT and SIGTERM', async () => {
    const t = await testContext(
      {
        type: 'exec',
        opts: { shell: "trap '' INT TERM; echo $$ >> pids.txt; while true; do sleep 0.05; done" },
      },
      { killGraceMs: 400 },
    );
    const outcome = executeTask(t.ctx);
    const [pid] = await pidsOf(t, 1);
    const started = Date.now();
    t.cancel();
    expect(await outcome).toEqual({ kind: 'cancelled' });
    const took = Date.now() - started;
    expect(isProcessAlive(pid as number)).toBe(false);
    expect(t.text('sys')).toMatch(/sent SIGINT\n(.|\n)*sent SIGTERM\n(.|\n)*sent SIGKILL\n/);
    expect(took).toBeGreaterThanOrEqual(400);
  });

  it('stops at SIGINT when the task exits on it', async () => {
    const t = await testContext(
      { type: 'exec', opts: { shell: 'echo $$ >> pids.txt; sleep 1000' } },
      { killGraceMs: 5_000 },
    );
    const outcome = executeTask(t.ctx);
    await pidsOf(t, 1);
    t.cancel();
    expect(await outcome).toEqual({ kind: 'cancelled' });
    // It ended on SIGINT: the ladder never went on to SIGTERM (due at 3.75 s).
    expect(t.text('sys')).toContain('sent SIGINT');
    expect(t.text('sys')).not.toContain('SIGTERM');
  });

  it('kills processes that escaped the group with setsid, found by run and node id', async () => {
    const t = await testContext({
      type: 'exec',
      opts: { shell: `setsid sh -c 'echo $$ >> pids.txt; exec sleep 1000' & echo $$ >> pids.txt; wait` },
    });
    const outcome = executeTask(t.ctx);
    const pids = await pidsOf(t, 2);
    t.cancel();
    expect(await outcome).toEqual({ kind: 'cancelled' });
    for (const pid of pids) expect(isProcessAlive(pid)).toBe(false);
    expect(t.text('sys')).toMatch(/killed process \d+ \(sleep\), which had left the task's process group/);
  });

  it('kills a setsid escapee when the task itself exits normally', async () => {
    const t = await testContext({
      type: 'exec',
      opts: { shell: `setsid sh -c 'echo $$ >> pids.txt; exec sleep 1000' > /dev/null 2>&1 & sleep 0.2` },
    });
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    const [pid] = await pidsOf(t, 1);
    expect(isProcessAlive(pid as number)).toBe(false);
  });

  it.runIf(canContainTasks())(
    'kills an escapee that also cleared its environment, through the task cgroup',
    async () => {
      const t = await testContext({
        type: 'exec',
        // After a while: what the first process starts before it is moved in is left to the group and the sweep.
        opts: {
          shell: `sleep 1; setsid env -i sh -c 'echo $$ >> pids.txt; exec sleep 1000' > /dev/null 2>&1 & sleep 0.2`,
        },
      });
      expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
      const [pid] = await pidsOf(t, 1);
      expect(isProcessAlive(pid as number)).toBe(false);
      expect(t.text('sys')).toContain(`killed process ${pid} (sleep), which had left the task's process group`);
    },
  );

  it('leaves alone processes of another execution that shares the run and node id', async () => {
    const t = await testContext({ type: 'exec', opts: { cmd: 'true' } });
    const other = spawn('sleep', ['1000'], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, FLOE_RUN_ID: t.ctx.run.id, FLOE_NODE_ID: 't1', FLOE_EXEC_ID: 'another' },
    });
    try {
      expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
      expect(isProcessAlive(other.pid as number)).toBe(true);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('times out: kills the tree and resolves timed-out', async () => {
    const t = await testContext(
      { type: 'exec', timeout: '300ms', opts: { shell: 'sleep 1000 & echo $! >> pids.txt; wait' } },
      { killGraceMs: 500 },
    );
    expect(await executeTask(t.ctx)).toEqual({ kind: 'timed-out', afterMs: 300 });
    const [pid] = await pidsOf(t, 1);
    expect(isProcessAlive(pid as number)).toBe(false);
    expect(t.text('sys')).toContain('timed out after 300ms');
  });

  it('does not start a task cancelled before it began', async () => {
    const t = await testContext({ type: 'exec', opts: { shell: 'echo ran > ran.txt' } });
    t.cancel();
    expect(await executeTask(t.ctx)).toEqual({ kind: 'cancelled' });
    await expect(readFile(join(t.ctx.workspace, 'ran.txt'))).rejects.toThrow();
  });
});
