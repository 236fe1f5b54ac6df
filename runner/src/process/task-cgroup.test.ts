import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from './process-table.js';
import { canContainTasks, createTaskCgroup } from './task-cgroup.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(canContainTasks())('task cgroups', () => {
  it('holds what the process spawned inside starts, setsid or not, and kills all of it but this process', async () => {
    const cgroup = createTaskCgroup(`test-${randomUUID()}`);
    if (!cgroup) throw new Error('no cgroup although the machine allows them');
    const shell = cgroup.spawnInside(() =>
      spawn('sh', ['-c', 'setsid sleep 30 & sleep 30 & wait'], { stdio: 'ignore' }),
    );
    // This process went back where it was.
    expect(readFileSync('/proc/self/cgroup', 'utf8')).not.toContain('/floe/');
    let pids: number[] = [];
    for (let tries = 0; tries < 100 && pids.length < 3; tries++) {
      await sleep(10);
      pids = cgroup.pids();
    }
    expect(pids).toHaveLength(3);
    expect(pids).toContain(shell.pid);
    expect(cgroup.remove()).toBe(false);
    cgroup.killAll();
    for (let tries = 0; tries < 100 && pids.some(isProcessAlive); tries++) await sleep(10);
    for (const pid of pids) expect(isProcessAlive(pid)).toBe(false);
    expect(cgroup.pids()).toEqual([]);
    expect(cgroup.remove()).toBe(true);
  });
});
