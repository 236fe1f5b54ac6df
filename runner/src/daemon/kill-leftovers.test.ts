import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../process/process-table.js';
import { acceptanceMark, killLeftovers, RUN_MARK } from './kill-leftovers.js';

const children: ReturnType<typeof spawn>[] = [];

async function sleeper(mark: string): Promise<number> {
  const child = spawn('sleep', ['1000'], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, [RUN_MARK]: mark },
  });
  children.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  return child.pid as number;
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 1_000 && isProcessAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return !isProcessAlive(pid);
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe.runIf(process.platform === 'linux')('killLeftovers', () => {
  it("kills one acceptance's processes, not the warm shells of the runner life that are other runs' tasks", async () => {
    const instance = randomBytes(6).toString('hex');
    const mark = acceptanceMark(instance, 'run-1', 1);
    const task = await sleeper(mark);
    const warmLeader = await sleeper(instance);
    expect(killLeftovers(mark).map((killed) => killed.pid)).toEqual([task]);
    expect(await gone(task)).toBe(true);
    expect(isProcessAlive(warmLeader)).toBe(true);
  });

  it("kills a dead life's warm shells too when asked for the whole life", async () => {
    const instance = randomBytes(6).toString('hex');
    const mark = acceptanceMark(instance, 'run-1', 1);
    const pids = [await sleeper(mark), await sleeper(instance)];
    const other = await sleeper(randomBytes(6).toString('hex'));
    expect(
      killLeftovers(mark, true)
        .map((killed) => killed.pid)
        .sort(),
    ).toEqual([...pids].sort());
    for (const pid of pids) expect(await gone(pid)).toBe(true);
    expect(isProcessAlive(other)).toBe(true);
  });
});
