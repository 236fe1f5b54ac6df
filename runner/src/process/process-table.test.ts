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
    // What it lists is what the whole table holds past that pid (no process is left out). Read twice, the state
    // may differ: a sleep just started can be running at one read and sleeping at the next.
    const table = readProcessTable()?.find((entry) => entry.pid === second);
    const listed = processesBornAfter(first, 10)?.find((entry) => entry.pid === second);
    expect({ ...listed, state: undefined }).toEqual({ ...table, state: undefined });
    expect(listed?.state).toMatch(/^[RSD]$/);
  });

  it('cannot tell once the kernel may have handed out every pid since', () => {
    const first = sleeper();
    expect(processesBornAfter(first, 10_000_000)).toBeUndefined();
    expect(processesBornAfter(first, undefined)).toBeUndefined();
  });
});
