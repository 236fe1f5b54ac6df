import { describe, expect, it } from 'vitest';
import { SerialQueue } from './serial-queue.js';

/** A job that waits until the test lets it finish, recording when it starts and ends. */
function gate(name: string, trace: string[]) {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    job: async () => {
      trace.push(`${name} start`);
      await opened;
      trace.push(`${name} end`);
    },
    open: () => open(),
  };
}

describe('SerialQueue', () => {
  it('runs jobs one after another, in order', async () => {
    const trace: string[] = [];
    const queue = new SerialQueue(() => {});
    const a = gate('a', trace);
    const b = gate('b', trace);
    queue.push('a', a.job);
    queue.push('b', b.job);
    await new Promise((resolve) => setImmediate(resolve));
    expect(trace).toEqual(['a start']);
    a.open();
    b.open();
    await queue.drained();
    expect(trace).toEqual(['a start', 'a end', 'b start', 'b end']);
  });

  it('drops a job whose key already waits to start, but not one whose key is running', async () => {
    const trace: string[] = [];
    const queue = new SerialQueue(() => {});
    const first = gate('first', trace);
    queue.push('pump', first.job);
    await new Promise((resolve) => setImmediate(resolve));
    queue.push('pump', async () => void trace.push('second'));
    queue.push('pump', async () => void trace.push('third'));
    first.open();
    await queue.drained();
    expect(trace).toEqual(['first start', 'first end', 'second']);
  });

  it('stops at the first failure and hands it over once; nothing runs after', async () => {
    const failures: unknown[] = [];
    const trace: string[] = [];
    const queue = new SerialQueue((err) => failures.push(err));
    queue.push('a', async () => {
      throw new Error('read failed');
    });
    queue.push('b', async () => void trace.push('b'));
    await queue.drained();
    expect(failures.map((err) => (err as Error).message)).toEqual(['read failed']);
    expect(trace).toEqual([]);
  });

  it('runs nothing once its session is over, and tells no failure then', async () => {
    let over = false;
    const failures: unknown[] = [];
    const trace: string[] = [];
    const queue = new SerialQueue(
      (err) => failures.push(err),
      () => over,
    );
    over = true;
    queue.push('a', async () => void trace.push('a'));
    await queue.drained();
    expect(trace).toEqual([]);
    expect(failures).toEqual([]);
  });
});
