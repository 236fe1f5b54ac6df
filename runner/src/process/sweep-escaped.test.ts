import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from './process-table.js';
import { sweepEscapedProcesses } from './sweep-escaped.js';

function sleeper(env: Record<string, string>) {
  return spawn('sleep', ['1000'], { detached: true, stdio: 'ignore', env: { ...process.env, ...env } });
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 1_000 && isProcessAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return !isProcessAlive(pid);
}

describe.runIf(process.platform === 'linux')('sweepEscapedProcesses', () => {
  it('finds a process by its execution id alone, as a warm shell leaves it in what it forks', async () => {
    const execId = randomUUID();
    const child = sleeper({ FLOE_EXEC_ID: execId });
    await new Promise((resolve) => child.once('spawn', resolve));
    const killed = sweepEscapedProcesses('run-1', 'build', execId);
    expect(killed.map((found) => found.pid)).toEqual([child.pid]);
    expect(await gone(child.pid as number)).toBe(true);
  });

  it('finds one by run and node id when no execution id is given, and only then', async () => {
    const runId = randomUUID();
    const child = sleeper({ FLOE_RUN_ID: runId, FLOE_NODE_ID: 'build', FLOE_EXEC_ID: 'another' });
    await new Promise((resolve) => child.once('spawn', resolve));
    try {
      expect(sweepEscapedProcesses(runId, 'build', randomUUID())).toEqual([]);
      expect(sweepEscapedProcesses(runId, 'build').map((found) => found.pid)).toEqual([child.pid]);
      expect(await gone(child.pid as number)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
