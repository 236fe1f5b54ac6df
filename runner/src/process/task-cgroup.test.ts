import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from './process-table.js';
import { canContainTasks, cgroupLife, createTaskCgroup, endDeadCgroupLives } from './task-cgroup.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(canContainTasks())('task cgroups', () => {
  it('holds what the process moved in starts, setsid or not, and kills all of it', async () => {
    const cgroup = createTaskCgroup(`test-${randomUUID()}`);
    if (!cgroup) throw new Error('no cgroup although the machine allows them');
    // The shell waits for a line before it starts anything, so that it is inside first.
    const shell = spawn('sh', ['-c', 'read go; setsid sleep 30 & sleep 30 & wait'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    expect(await cgroup.add(shell.pid as number)).toBe(true);
    expect(readFileSync(`/proc/${shell.pid}/cgroup`, 'utf8')).toMatch(/\/floe\/life-local-\d+-\d+\/test-/);
    shell.stdin.write('go\n');
    let pids: number[] = [];
    for (let tries = 0; tries < 1_000 && pids.length < 3; tries++) {
      await sleep(10);
      pids = await cgroup.pids();
    }
    expect(pids).toHaveLength(3);
    expect(pids).toContain(shell.pid);
    expect(await cgroup.remove()).toBe(false);
    await cgroup.killAll();
    for (let tries = 0; tries < 1_000 && pids.some(isProcessAlive); tries++) await sleep(10);
    for (const pid of pids) expect(isProcessAlive(pid)).toBe(false);
    expect(await cgroup.pids()).toEqual([]);
    expect(await cgroup.remove()).toBe(true);
  });
});

describe.runIf(canContainTasks())('the cgroups of dead lives', () => {
  it("kills what its owner's dead lives still hold and removes them; other owners' lives lose only what is empty", async () => {
    const life = cgroupLife() as string;
    const root = dirname(life);
    // A process that is gone: its lives are dead whatever their start time.
    const gone = spawn('true');
    await new Promise((resolve) => gone.once('exit', resolve));
    const dead = join(root, `life-local-${gone.pid}-1`);
    const deadEmpty = join(root, `life-local-${gone.pid}-2`);
    const othersEmpty = join(root, `life-rabc-${gone.pid}-3`);
    const othersHeld = join(root, `life-rabc-${gone.pid}-4`);
    for (const dir of [dead, deadEmpty, othersEmpty, othersHeld]) mkdirSync(join(dir, 'task'), { recursive: true });
    const orphan = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
    const othersOrphan = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
    writeFileSync(join(dead, 'task', 'cgroup.procs'), String(orphan.pid));
    writeFileSync(join(othersHeld, 'task', 'cgroup.procs'), String(othersOrphan.pid));
    // This process's own life, with a task cgroup in use.
    const mine = createTaskCgroup(`test-${randomUUID()}`);
    const sleeper = spawn('sleep', ['1000'], { stdio: 'ignore' });
    expect(await mine?.add(sleeper.pid as number)).toBe(true);
    try {
      // (A dead test process's leftovers may be among them: what a dead local life held.)
      expect(await endDeadCgroupLives()).toContainEqual({ pid: orphan.pid, name: 'sleep' });
      for (let tries = 0; tries < 1_000 && isProcessAlive(orphan.pid as number); tries++) await sleep(10);
      expect(isProcessAlive(orphan.pid as number)).toBe(false);
      // Removed once its killed process has exited, in the same call.
      expect([dead, deadEmpty, othersEmpty].filter(existsSync)).toEqual([]);
      expect(existsSync(othersHeld)).toBe(true);
      expect(isProcessAlive(othersOrphan.pid as number)).toBe(true);
      expect(existsSync(life)).toBe(true);
      expect(isProcessAlive(sleeper.pid as number)).toBe(true);
    } finally {
      for (const child of [sleeper, orphan, othersOrphan]) child.kill('SIGKILL');
      for (let tries = 0; tries < 1_000 && isProcessAlive(othersOrphan.pid as number); tries++) await sleep(10);
      rmdirSync(join(othersHeld, 'task'));
      rmdirSync(othersHeld);
      await mine?.remove();
    }
  });
});
