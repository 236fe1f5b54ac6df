import { ResolvedFlowSchema, type RunState } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import type { RunRow } from '../store/store.js';
import { flowTrends } from './flow-trends.js';

const FLOW = ResolvedFlowSchema.parse({
  id: 'build',
  name: 'build',
  triggers: [],
  tasks: [
    { id: 'lint', name: 'Lint', type: 'exec', listen: 'trigger.good', opts: { cmd: 'lint' } },
    { id: 'test', name: 'Test', type: 'exec', listen: 'trigger.good', opts: { cmd: 'test' } },
    { id: 'ship', name: 'Ship', type: 'exec', listen: 'task.test.good', opts: { cmd: 'ship' } },
  ],
});

type Node = RunState['nodes'][string];
const node = (state: Node['state'], extra: Partial<Node> = {}): Node => ({ state, attempt: 1, ...extra });

let number = 0;
/** An archived run that started at 0 and took `ms`, its nodes as given (absent: never reached). */
const run = (ms: number | undefined, result: RunRow['result'], nodes: Record<string, Node> = {}): RunRow => {
  number++;
  return {
    id: `r${number}`,
    number,
    repo: 'acme',
    flowId: 'build',
    state: 'archived',
    result,
    flow: FLOW,
    trigger: { type: 'manual', data: {} },
    trust: 'trusted',
    epoch: 1,
    lastSeq: 1,
    createdAt: 0,
    ...(ms !== undefined ? { startedAt: 1_000, endedAt: 1_000 + ms } : {}),
    engine: { startedAt: 0, deadline: 1, data: {}, merges: {}, events: [], nodes } as RunState,
  } as RunRow;
};

describe('flowTrends', () => {
  it('gives p50 and p95 by nearest rank over the runs that ran, and lists them oldest first', () => {
    number = 0;
    // Newest first, as the store lists them; 20 runs of 1..20 s, and one cancelled before it started.
    const runs = [run(undefined, 'cancelled'), ...Array.from({ length: 20 }, (_, i) => run((20 - i) * 1000, 'good'))];
    const trends = flowTrends('acme', 'build', runs);
    expect(trends).toMatchObject({ runs: 21, timed: 20, durationMs: { p50: 10_000, p95: 19_000 } });
    expect(trends.recent.map((r) => r.durationMs)).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 1000));
    expect(flowTrends('acme', 'build', [run(5, 'good')]).durationMs).toEqual({ p50: 5, p95: 5 });
    expect(flowTrends('acme', 'build', []).durationMs).toBeUndefined();
  });

  it('ranks the tasks that fail most, counting errors, not replayed results, and the newest failing run', () => {
    number = 0;
    const runs = [
      run(10, 'bad', { lint: node('good'), test: node('bad', { exitCode: 1 }) }),
      run(10, 'bad', { lint: node('error'), test: node('bad', { replayed: true }) }),
      run(10, 'bad', { lint: node('good'), test: node('bad'), ship: node('waiting', { attempt: 0 }) }),
      run(10, 'good', { lint: node('good'), test: node('good'), ship: node('good') }),
    ];
    expect(flowTrends('acme', 'build', runs).failingTasks).toEqual([
      { node: 'test', name: 'Test', failures: 2, ran: 3, lastRunId: 'r1' },
      { node: 'lint', name: 'Lint', failures: 1, ran: 4, lastRunId: 'r2' },
    ]);
  });
});
