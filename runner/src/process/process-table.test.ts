import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { processesBornAfter, readProcessTable } from './process-table.js';

describe.runIf(process.platform === 'linux')('processesBornAfter', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });
  const sleeper = () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(child);
    return child.pid as number;
  };

  it('lists the processes born after a pid, not that one nor older ones', () => {
    const first = sleeper();
    const second = sleeper();
    const pids = processesBornAfter(first, 10)?.map((entry) => entry.pid);
    expect(pids).toContain(second);
    expect(pids).not.toContain(first);
    expect(pids).not.toContain(process.pid);
    // What it lists is what the whole table holds past that pid (no process is left out).
    const table = readProcessTable()?.find((entry) => entry.pid === second);
    expect(processesBornAfter(first, 10)?.find((entry) => entry.pid === second)).toEqual(table);
  });

  it('cannot tell once the kernel may have handed out every pid since', () => {
    const first = sleeper();
    expect(processesBornAfter(first, 10_000_000)).toBeUndefined();
    expect(processesBornAfter(first, undefined)).toBeUndefined();
  });
});
