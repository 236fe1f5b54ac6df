import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from './process-table.js';
import { canContainTasks, createTaskCgroup } from './task-cgroup.js';

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
    expect(readFileSync(`/proc/${shell.pid}/cgroup`, 'utf8')).toContain('/floe/test-');
    shell.stdin.write('go\n');
    let pids: number[] = [];
    for (let tries = 0; tries < 100 && pids.length < 3; tries++) {
      await sleep(10);
      pids = await cgroup.pids();
    }
    expect(pids).toHaveLength(3);
    expect(pids).toContain(shell.pid);
    expect(await cgroup.remove()).toBe(false);
    await cgroup.killAll();
    for (let tries = 0; tries < 100 && pids.some(isProcessAlive); tries++) await sleep(10);
    for (const pid of pids) expect(isProcessAlive(pid)).toBe(false);
    expect(await cgroup.pids()).toEqual([]);
    expect(await cgroup.remove()).toBe(true);
  });
});
