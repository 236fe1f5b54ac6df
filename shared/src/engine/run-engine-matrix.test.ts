// Matrix tasks in the engine (docs/floe-yaml.md "Matrices"): one event of the matrix task for the whole matrix,
// each combination's own events, max-parallel, fail-fast, and retry from a combination.
import { describe, expect, it } from 'vitest';
import type { ResolvedFlow } from '../flow/flow-schema.js';
import { parseFloeFile } from '../flow/parse-floe-file.js';
import { ScriptedRun } from '../testing/scripted-run.js';
import { downstreamNodes } from './downstream-nodes.js';

function flowOf(matrix: string, after = ''): ResolvedFlow {
  const text = [
    'id: f',
    'tasks:',
    '  - id: test',
    '    type: exec',
    '    listen: trigger.good',
    '    opts: {shell: "echo {{matrix.node}}"}',
    `    matrix: ${matrix}`,
    after,
  ].join('\n');
  const parsed = parseFloeFile(text);
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !parsed.flows[0]) throw new Error(JSON.stringify(errors));
  return parsed.flows[0];
}

const running = (run: ScriptedRun) =>
  Object.entries(run.state.nodes)
    .filter(([, node]) => node.state === 'running')
    .map(([id]) => id);

describe('a matrix task', () => {
  it('runs each combination as a node and fires its own good once, when all are good', () => {
    const flow = flowOf(
      '{axes: {node: [18, 20], pg: [15, 16]}}',
      '  - {id: after, type: exec, listen: task.test.good, opts: {cmd: "true"}}',
    );
    const run = new ScriptedRun(flow);
    expect(run.executed()).toEqual([
      'test~node-18~pg-15#1',
      'test~node-18~pg-16#1',
      'test~node-20~pg-15#1',
      'test~node-20~pg-16#1',
    ]);
    expect(run.state.nodes.test?.state).toBe('running');
    run.exit('test~node-20~pg-16', 0);
    run.exit('test~node-18~pg-15', 0);
    run.exit('test~node-18~pg-16', 0);
    expect(run.tags()).not.toContain('task.test.good');
    run.exit('test~node-20~pg-15', 0);
    const tags = run.tags();
    expect(tags.filter((tag) => tag === 'task.test.good')).toHaveLength(1);
    expect(tags.indexOf('task.test~node-20~pg-15.good')).toBeLessThan(tags.indexOf('task.test.good'));
    expect(run.executed()).toContain('after#1');
    run.exit('after', 0);
    expect(run.state.ended?.result).toBe('good');
  });

  it('runs at most max-parallel combinations at once, starting the next as one ends', () => {
    const run = new ScriptedRun(flowOf('{axes: {node: [1, 2, 3]}, max-parallel: 2}'));
    expect(running(run)).toEqual(['test', 'test~node-1', 'test~node-2']);
    run.exit('test~node-2', 0);
    expect(running(run)).toEqual(['test', 'test~node-1', 'test~node-3']);
    run.exit('test~node-1', 0);
    run.exit('test~node-3', 0);
    expect(run.state.ended?.result).toBe('good');
  });

  it("uses the run's parallel (the runner's slots) when the matrix sets no max-parallel, and keeps it in the state", () => {
    const run = new ScriptedRun(flowOf('{axes: {node: [1, 2, 3]}}'), { parallel: 1 });
    expect(running(run)).toEqual(['test', 'test~node-1']);
    expect(run.state.parallel).toBe(1);
    run.exit('test~node-1', 0);
    expect(running(run)).toEqual(['test', 'test~node-2']);
  });

  it('with fail-fast, fires bad on the first bad combination, stops the running ones and skips the rest', () => {
    const flow = flowOf(
      '{axes: {node: [1, 2, 3, 4]}, max-parallel: 2}',
      '  - {id: fix, type: exec, listen: task.test.bad, opts: {cmd: "true"}}',
    );
    const run = new ScriptedRun(flow);
    const effects = run.exit('test~node-2', 3);
    expect(effects).toContainEqual({ type: 'kill', node: 'test~node-1' });
    expect(run.tags().slice(-2)).toEqual(['task.test~node-2.bad', 'task.test.bad']);
    expect(run.state.nodes.test).toMatchObject({ state: 'bad', reason: 'test~node-2 exited 3 (fail-fast)' });
    expect(run.state.nodes['test~node-3']?.state).toBe('skipped');
    expect(run.executed()).toContain('fix#1');
    // The stopped combination reports; it emits nothing, and the run waits for it before it can end.
    run.exit('fix', 0);
    expect(run.state.ended).toBeUndefined();
    const before = run.tags().length;
    run.finish('test~node-1', { kind: 'cancelled' });
    expect(run.tags()).toHaveLength(before);
    expect(run.state.nodes['test~node-1']?.state).toBe('cancelled');
    expect(run.state.ended?.result).toBe('good');
  });

  it('without fail-fast, runs every combination and fires bad once at the end when one was bad', () => {
    const run = new ScriptedRun(flowOf('{axes: {node: [1, 2]}, fail-fast: false}'));
    run.exit('test~node-1', 1);
    expect(run.tags()).not.toContain('task.test.bad');
    expect(run.of('kill')).toEqual([]);
    run.exit('test~node-2', 0);
    expect(run.tags().slice(-2)).toEqual(['task.test~node-2.good', 'task.test.bad']);
    expect(run.state.nodes.test?.reason).toBe('1 of 2 combinations good');
    // Nothing listens to task.test.bad: the matrix task's failure ends the run; the combination's did not.
    expect(run.state.ended).toMatchObject({ result: 'bad', reasonCode: 'unhandled-failure' });
    expect(run.state.ended?.reason).toContain('task test');
  });

  it("lets a listener pick one combination's own event", () => {
    const flow = flowOf(
      '{axes: {node: [1, 2]}}',
      '  - {id: one, type: exec, listen: task.test~node-2.good, opts: {cmd: "true"}}',
    );
    const run = new ScriptedRun(flow);
    run.exit('test~node-2', 0);
    expect(run.executed()).toContain('one#1');
  });

  it('refuses a finish of the matrix task itself: only its combinations are executed', () => {
    const run = new ScriptedRun(flowOf('{axes: {node: [1]}}'));
    expect(run.exit('test', 0, 1)).toEqual([{ type: 'ignored', reason: 'test is not a task that is executed' }]);
  });

  it('cancels the matrix task and stops its combinations when the run is cancelled', () => {
    const run = new ScriptedRun(flowOf('{axes: {node: [1, 2]}}'));
    const effects = run.step({ type: 'cancel', at: run.next() });
    expect(effects.filter((effect) => effect.type === 'kill').map((effect) => 'node' in effect && effect.node)).toEqual(
      ['test~node-1', 'test~node-2'],
    );
    expect(run.state.nodes.test?.state).toBe('cancelled');
    run.finish('test~node-1', { kind: 'cancelled' });
    run.finish('test~node-2', { kind: 'cancelled' });
    expect(run.state.ended?.result).toBe('cancelled');
  });

  it('retried from one combination, runs it again and replays the good ones', () => {
    const flow = flowOf(
      '{axes: {node: [1, 2, 3]}, fail-fast: false}',
      '  - {id: fix, type: exec, listen: task.test.bad, opts: {cmd: "true"}}',
    );
    const first = new ScriptedRun(flow);
    first.exit('test~node-1', 0);
    first.exit('test~node-2', 1);
    first.exit('test~node-3', 0);
    first.exit('fix', 0);
    expect(downstreamNodes(flow, 'test~node-2')).toEqual(new Set(['test~node-2', 'test', 'fix']));
    expect(downstreamNodes(flow, 'test')).toEqual(
      new Set(['test', 'test~node-1', 'test~node-2', 'test~node-3', 'fix']),
    );
    // A listener of one combination is downstream of the matrix task, through that combination.
    const picky = flowOf(
      '{axes: {node: [1, 2]}}',
      '  - {id: one, type: exec, listen: task.test~node-2.good, opts: {cmd: "true"}}',
    );
    expect(downstreamNodes(picky, 'test')).toEqual(new Set(['test', 'test~node-1', 'test~node-2', 'one']));
    const retry = new ScriptedRun(flow, { replay: { from: 'test~node-2', previous: first.state } });
    expect(retry.executed()).toEqual(['test~node-2#1']);
    expect(retry.state.nodes['test~node-1']).toMatchObject({ state: 'good', replayed: true });
    retry.exit('test~node-2', 0);
    expect(retry.tags()).toContain('task.test.good');
    expect(retry.state.ended?.result).toBe('good');
  });

  it("gives each combination the task's retry, and settles the task only after a combination's last attempt", () => {
    const parsed = parseFloeFile(
      'id: f\ntasks:\n  - {id: test, type: exec, listen: trigger.good, retry: 1, opts: {cmd: "make"}, matrix: {axes: {node: [1, 2]}}}\n',
    );
    const run = new ScriptedRun(parsed.flows[0] as ResolvedFlow);
    run.exit('test~node-1', 1);
    expect(run.executed()).toEqual(['test~node-1#1', 'test~node-2#1', 'test~node-1#2']);
    expect(run.state.nodes.test?.state).toBe('running');
    run.exit('test~node-1', 0);
    run.exit('test~node-2', 0);
    expect(run.tags()).toContain('task.test.good');
  });

  it("counts a combination of an ignore-fail task good, as the task's own event", () => {
    const parsed = parseFloeFile(
      'id: f\ntasks:\n  - {id: t, type: exec, listen: trigger.good, ignore-fail: true, opts: {cmd: "false"}, matrix: {axes: {a: [1, 2]}}}\n',
    );
    const run = new ScriptedRun(parsed.flows[0] as ResolvedFlow);
    run.exit('t~a-1', 1);
    run.exit('t~a-2', 0);
    expect(run.tags()).toEqual(['trigger.good', 'task.t~a-1.good', 'task.t~a-2.good', 'task.t.good']);
    expect(run.state.ended?.result).toBe('good');
  });
});
