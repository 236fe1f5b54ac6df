import { describe, expect, it } from 'vitest';
import type { FlowInput } from '../flow/flow-schema.js';
import { ScriptedRun, T0 } from '../testing/scripted-run.js';
import { testFlow } from '../testing/test-flow.js';
import { downstreamNodes } from './downstream-nodes.js';
import type { EngineInput } from './engine-input.js';
import { abandonRun, startRun, stepRun } from './run-engine.js';
import { RunStateSchema } from './run-state.js';

type Extra = Record<string, unknown>;
const exec = (id: string, listen: string, extra: Extra = {}) => ({
  id,
  type: 'exec',
  listen,
  opts: { cmd: 'true' },
  ...extra,
});
const end = (id: string, listen: string) => ({ id, type: 'end', listen });
const data = (id: string, listen: string, fields: Extra[] = []) => ({
  id,
  type: 'data',
  listen,
  opts: { form: { fields } },
});
const merge = (id: string, wait: string[], type: 'all' | 'any' = 'all') => ({ id, class: 'merge', type, wait });
const flowOf = (tasks: unknown[], extra: Extra = {}) =>
  testFlow({ id: 'f', triggers: [{ id: 'start', type: 'push' }], tasks, ...extra } as FlowInput);

describe('starting a run', () => {
  it('emits trigger.good as event 1 from the trigger and executes the nodes listening to it', () => {
    const run = new ScriptedRun(
      flowOf([exec('a', 'trigger.good'), exec('b', 'trigger.good'), exec('c', 'task.a.good')]),
    );
    expect(run.last).toEqual([
      { type: 'event', seq: 1, tag: 'trigger.good', good: true, source: 'start', at: T0 },
      { type: 'execute', node: 'a', attempt: 1 },
      { type: 'execute', node: 'b', attempt: 1 },
    ]);
    expect(run.nodeStates()).toEqual({ a: 'running', b: 'running', c: 'waiting' });
    expect(run.state.deadline).toBe(T0 + 6 * 3_600_000);
    expect(RunStateSchema.parse(run.state)).toEqual(run.state);
  });

  it('keeps the trigger data and takes the deadline from the flow timeout', () => {
    const run = new ScriptedRun(flowOf([exec('a', 'trigger.good')], { timeout: '30m' }), { data: { branch: 'main' } });
    expect(run.state.data).toEqual({ branch: 'main' });
    expect(run.state.deadline).toBe(T0 + 30 * 60_000);
  });

  it('passes a task timeout on to the executor', () => {
    const run = new ScriptedRun(flowOf([exec('a', 'trigger.good', { timeout: '30s' })]));
    expect(run.of('execute')).toEqual([{ type: 'execute', node: 'a', attempt: 1, timeoutMs: 30_000 }]);
  });
});

describe('exit codes become events (DESIGN §3 "Events")', () => {
  it('counts exit 0 good and anything else bad by default', () => {
    const run = new ScriptedRun(
      flowOf([exec('a', 'trigger.good'), exec('b', 'task.a.bad'), exec('c', 'trigger.good')]),
    );
    run.exit('a', 1);
    expect(run.tags()).toEqual(['trigger.good', 'task.a.bad']);
    expect(run.state.nodes.a).toMatchObject({ state: 'bad', exitCode: 1, reason: 'exited 1' });
    run.exit('c', 0);
    expect(run.state.nodes.c).toMatchObject({ state: 'good', exitCode: 0 });
    expect(run.executed()).toEqual(['a#1', 'c#1', 'b#1']);
  });

  it('counts the codes of the good list good', () => {
    const run = new ScriptedRun(flowOf([exec('a', 'trigger.good', { good: [0, 3] }), exec('b', 'task.a.good')]));
    run.exit('a', 3);
    expect(run.tags()).toEqual(['trigger.good', 'task.a.good']);
    expect(run.executed()).toEqual(['a#1', 'b#1']);
  });

  it('emits task.<id>.<code> with use-status, good when the code is in the good list', () => {
    const flow = flowOf([
      exec('a', 'trigger.good', { 'use-status': true, good: [0, 3] }),
      exec('on3', 'task.a.3'),
      exec('b', 'trigger.good', { 'use-status': true }),
      exec('on5', 'task.b.5'),
    ]);
    const run = new ScriptedRun(flow);
    run.exit('a', 3);
    run.exit('b', 5);
    expect(run.of('event').slice(1)).toMatchObject([
      { tag: 'task.a.3', good: true },
      { tag: 'task.b.5', good: false },
    ]);
    expect(run.executed()).toEqual(['a#1', 'b#1', 'on3#1', 'on5#1']);
    expect(run.state.ended).toBeUndefined();
  });

  it('emits good with ignore-fail, for a failing exit and for a task that could not run', () => {
    const run = new ScriptedRun(
      flowOf([exec('a', 'trigger.good', { 'ignore-fail': true }), exec('b', 'trigger.good', { 'ignore-fail': true })]),
    );
    run.exit('a', 7);
    run.finish('b', { kind: 'error', message: 'no such command' });
    expect(run.of('event').slice(1)).toMatchObject([
      { tag: 'task.a.good', good: true },
      { tag: 'task.b.good', good: true },
    ]);
    expect(run.state.nodes.a).toMatchObject({ state: 'good', exitCode: 7, reason: 'exited 7, ignored (ignore-fail)' });
    expect(run.state.ended).toMatchObject({ result: 'good', reasonCode: 'no-end' });
  });

  it('emits task.<id>.error when a task could not run, and a listener of it runs', () => {
    const run = new ScriptedRun(flowOf([exec('fetch', 'trigger.good'), exec('report', 'task.fetch.error')]));
    run.finish('fetch', { kind: 'error', message: '404 Not Found' });
    expect(run.of('event')[1]).toMatchObject({ tag: 'task.fetch.error', good: false, source: 'fetch' });
    expect(run.state.nodes.fetch).toMatchObject({ state: 'error', reason: 'could not run (404 Not Found)' });
    expect(run.executed()).toEqual(['fetch#1', 'report#1']);
  });

  it('counts a timed-out task bad, with no exit code (DESIGN §8)', () => {
    const run = new ScriptedRun(flowOf([exec('a', 'trigger.good', { 'use-status': true, timeout: 30 })]));
    run.finish('a', { kind: 'timed-out', afterMs: 30_000 });
    expect(run.of('event')[1]).toMatchObject({ tag: 'task.a.bad', good: false });
    expect(run.state.nodes.a).toMatchObject({ state: 'bad', reason: 'timed out after 30s' });
    expect(run.state.nodes.a?.exitCode).toBeUndefined();
    expect(run.state.ended).toMatchObject({
      result: 'bad',
      reasonCode: 'unhandled-failure',
      reason: 'task a timed out after 30s and nothing listens to task.a.bad',
    });
  });
});

describe('merges', () => {
  it('fires an all merge once every distinct wait tag has arrived', () => {
    const run = new ScriptedRun(
      flowOf([
        exec('a', 'trigger.good'),
        exec('b', 'trigger.good'),
        merge('m', ['task.a.good', 'task.b.good']),
        exec('c', 'merge.m.good'),
      ]),
    );
    run.exit('b', 0);
    expect(run.state.merges.m).toEqual({ arrived: ['task.b.good'] });
    expect(run.state.nodes.m?.state).toBe('waiting');
    run.exit('a', 0);
    expect(run.tags()).toEqual(['trigger.good', 'task.b.good', 'task.a.good', 'merge.m.good']);
    expect(run.of('event').at(-1)).toMatchObject({ source: 'm', good: true });
    expect(run.executed()).toEqual(['a#1', 'b#1', 'c#1']);
  });

  it('fires an any merge on its first arrival and never again', () => {
    const run = new ScriptedRun(
      flowOf([
        exec('a', 'trigger.good'),
        exec('b', 'trigger.good'),
        merge('m', ['task.a.good', 'task.b.good'], 'any'),
        exec('c', 'merge.m.good'),
      ]),
    );
    run.exit('a', 0);
    run.exit('b', 0);
    expect(run.tags().filter((tag) => tag === 'merge.m.good')).toHaveLength(1);
    expect(run.executed()).toEqual(['a#1', 'b#1', 'c#1']);
  });

  it('counts a merge waiting on a bad tag as its listener', () => {
    const run = new ScriptedRun(
      flowOf([exec('a', 'trigger.good'), merge('m', ['task.a.bad'], 'any'), exec('c', 'merge.m.good')]),
    );
    run.exit('a', 2);
    expect(run.state.ended).toBeUndefined();
    expect(run.executed()).toEqual(['a#1', 'c#1']);
  });

  it('skips a merge that never filled up, and the run still ends good when nothing is left to run', () => {
    const run = new ScriptedRun(
      flowOf([exec('a', 'trigger.good'), exec('b', 'task.a.bad'), merge('m', ['task.a.good', 'task.b.good'])]),
    );
    run.exit('a', 0);
    expect(run.nodeStates()).toEqual({ a: 'good', b: 'skipped', m: 'skipped' });
    expect(run.state.ended).toMatchObject({ result: 'good', reasonCode: 'no-end', reason: 'all tasks finished' });
  });
});

describe('data tasks', () => {
  const fields = [
    { id: 'tests_passed' },
    { id: 'to_hash', type: 'text' },
    { id: 'note', required: false },
    { id: 'env', value: 'staging' },
  ];
  const gated = () => flowOf([data('sign-off', 'trigger.good', fields), exec('after', 'task.sign-off.good')]);

  it('waits for input when reached, which keeps the run alive', () => {
    const run = new ScriptedRun(gated());
    expect(run.last.slice(1)).toEqual([{ type: 'await-input', node: 'sign-off' }]);
    expect(run.state.nodes['sign-off']?.state).toBe('awaiting-input');
    expect(run.state.ended).toBeUndefined();
  });

  it('ignores input that misses required fields, naming them', () => {
    const run = new ScriptedRun(gated());
    const before = run.state;
    expect(run.data('sign-off', { tests_passed: 'true', to_hash: '' })).toEqual([
      { type: 'ignored', reason: 'the form of sign-off is missing required field to_hash' },
    ]);
    expect(run.state).toBe(before);
    expect(run.data('sign-off', {})).toEqual([
      { type: 'ignored', reason: 'the form of sign-off is missing required fields tests_passed, to_hash' },
    ]);
  });

  it('emits good with the values (defaults filled) and who gave them', () => {
    const run = new ScriptedRun(gated());
    run.data('sign-off', { tests_passed: 'true', to_hash: 'abc' }, { by: 'ann' });
    expect(run.state.nodes['sign-off']).toMatchObject({
      state: 'good',
      by: 'ann',
      endedAt: run.at,
      values: { tests_passed: 'true', to_hash: 'abc', env: 'staging' },
    });
    expect(run.tags().at(-1)).toBe('task.sign-off.good');
    expect(run.executed()).toEqual(['after#1']);
  });

  it('emits bad when rejected', () => {
    const run = new ScriptedRun(gated());
    run.data('sign-off', {}, { by: 'bob', reject: true });
    expect(run.state.nodes['sign-off']).toMatchObject({ state: 'bad', by: 'bob' });
    expect(run.state.ended).toMatchObject({
      result: 'bad',
      reasonCode: 'unhandled-failure',
      reason: 'task sign-off was rejected by bob and nothing listens to task.sign-off.bad',
    });
  });

  it('ignores data for a node that is not awaiting input, or is not a data task', () => {
    const run = new ScriptedRun(flowOf([exec('a', 'trigger.good'), data('gate', 'task.a.good')]));
    expect(run.data('gate', {})).toMatchObject([
      { type: 'ignored', reason: 'task gate is not awaiting input (waiting)' },
    ]);
    expect(run.data('a', {})).toMatchObject([{ type: 'ignored', reason: 'a is not a data task' }]);
    expect(run.data('nope', {})).toMatchObject([{ type: 'ignored', reason: 'no node nope in this flow' }]);
  });

  it('approves a form without fields with empty input', () => {
    const run = new ScriptedRun(flowOf([data('gate', 'trigger.good'), end('done', 'task.gate.good')]));
    run.data('gate', {});
    expect(run.state.ended).toMatchObject({ result: 'good', reasonCode: 'end' });
  });
});

describe('how a run ends (DESIGN §3 rule 2, §8 "Why a run ended")', () => {
  it('ends with the good of the event that reached an end node, cancelling what runs and skipping the rest', () => {
    const run = new ScriptedRun(
      flowOf([
        exec('a', 'trigger.good'),
        exec('slow', 'trigger.good'),
        end('done', 'task.a.good'),
        exec('x', 'task.slow.good'),
      ]),
    );
    run.exit('a', 0);
    const decidedAt = run.at;
    expect(run.last.slice(1)).toEqual([{ type: 'kill', node: 'slow' }]);
    expect(run.state.ending).toMatchObject({ result: 'good', reasonCode: 'end', at: decidedAt });
    expect(run.nodeStates()).toEqual({ a: 'good', slow: 'running', done: 'good', x: 'skipped' });
    // Over once the task told to stop has stopped, whatever it reports.
    run.exit('slow', 0);
    expect(run.last).toEqual([
      { type: 'ended', result: 'good', reasonCode: 'end', reason: 'reached end node done on task.a.good' },
    ]);
    expect(run.nodeStates()).toEqual({ a: 'good', slow: 'cancelled', done: 'good', x: 'skipped' });
    expect(run.state.nodes.slow).toMatchObject({ exitCode: 0, reason: 'was cancelled' });
    expect(run.state.ended?.at).toBe(run.at);
    expect(run.state.ending).toBeUndefined();
    expect(run.tags()).not.toContain('task.slow.good');
  });

  it('ends bad when an end node is reached by a bad event', () => {
    const run = new ScriptedRun(flowOf([exec('a', 'trigger.good'), end('fail', 'task.a.bad')]));
    run.exit('a', 1);
    expect(run.state.ended).toMatchObject({ result: 'bad', reasonCode: 'end' });
    expect(run.state.nodes.fail?.state).toBe('bad');
  });

  it('fails fast on a bad event nobody listens to', () => {
    const run = new ScriptedRun(flowOf([exec('build', 'trigger.good'), exec('other', 'trigger.good')]));
    run.exit('build', 2);
    expect(run.last.slice(1)).toEqual([{ type: 'kill', node: 'other' }]);
    run.finish('other', { kind: 'cancelled' });
    expect(run.last).toEqual([
      {
        type: 'ended',
        result: 'bad',
        reasonCode: 'unhandled-failure',
        reason: 'task build exited 2 and nothing listens to task.build.bad',
      },
    ]);
  });

  it('fails fast on an error event nobody listens to', () => {
    const run = new ScriptedRun(flowOf([exec('fetch', 'trigger.good')]));
    run.finish('fetch', { kind: 'error', message: '404 Not Found' });
    expect(run.state.ended?.reason).toBe(
      'task fetch could not run (404 Not Found) and nothing listens to task.fetch.error',
    );
  });

  it('does not end the run on a good event nobody listens to (the original ended it good at once)', () => {
    const run = new ScriptedRun(
      flowOf([exec('fast', 'trigger.good'), exec('slow', 'trigger.good'), exec('x', 'task.slow.good')]),
    );
    run.exit('fast', 0);
    expect(run.state.ended).toBeUndefined();
    expect(run.last.map((effect) => effect.type)).toEqual(['event']);
    run.exit('slow', 0);
    expect(run.executed()).toEqual(['fast#1', 'slow#1', 'x#1']);
  });

  it('ends good with "all tasks finished" when nothing is left and the flow has no end node', () => {
    const run = new ScriptedRun(flowOf([exec('a', 'trigger.good'), exec('b', 'task.a.good')]));
    run.exit('a', 0);
    expect(run.state.ended).toBeUndefined();
    run.exit('b', 0);
    expect(run.last.at(-1)).toEqual({
      type: 'ended',
      result: 'good',
      reasonCode: 'no-end',
      reason: 'all tasks finished',
    });
  });

  it('ends bad when the flow has an end node that was never reached', () => {
    const run = new ScriptedRun(
      flowOf([exec('a', 'trigger.good'), exec('b', 'task.a.bad'), end('done', 'task.b.good')]),
    );
    run.exit('a', 0);
    expect(run.state.ended).toMatchObject({
      result: 'bad',
      reasonCode: 'no-end',
      reason: 'ended without reaching an end node',
    });
    expect(run.nodeStates()).toEqual({ a: 'good', b: 'skipped', done: 'skipped' });
  });

  it('ends at once when nothing listens to trigger.good', () => {
    const run = new ScriptedRun(flowOf([exec('a', 'task.b.good')]));
    expect(run.state.ended).toMatchObject({ result: 'good', reasonCode: 'no-end' });
    expect(run.nodeStates()).toEqual({ a: 'skipped' });
  });

  it('is cancelled by a person, killing what runs and closing open forms', () => {
    const run = new ScriptedRun(
      flowOf([exec('a', 'trigger.good'), data('gate', 'trigger.good'), exec('b', 'task.a.good')]),
    );
    run.step({ type: 'cancel', by: 'ann', at: run.next() });
    expect(run.last).toEqual([{ type: 'kill', node: 'a' }]);
    expect(run.nodeStates()).toEqual({ a: 'running', gate: 'cancelled', b: 'skipped' });
    run.finish('a', { kind: 'cancelled' });
    expect(run.last).toEqual([
      { type: 'ended', result: 'cancelled', reasonCode: 'cancelled', reason: 'cancelled by ann' },
    ]);
    expect(run.nodeStates()).toEqual({ a: 'cancelled', gate: 'cancelled', b: 'skipped' });
    const anonymous = new ScriptedRun(flowOf([data('gate', 'trigger.good')]));
    anonymous.step({ type: 'cancel', at: anonymous.next() });
    expect(anonymous.state.ended?.reason).toBe('cancelled');
  });

  it('takes no other input while it waits for its tasks to stop, and a lost runner ends it at once', () => {
    const run = new ScriptedRun(
      flowOf([exec('a', 'trigger.good'), exec('b', 'trigger.good', { retry: 2 }), data('gate', 'trigger.good')]),
    );
    run.step({ type: 'cancel', by: 'ann', at: run.next() });
    const ending = run.state;
    for (const input of [
      { type: 'cancel', by: 'bob', at: run.next() },
      { type: 'data', node: 'gate', values: {}, at: run.next() },
    ] satisfies EngineInput[]) {
      expect(run.step(input)).toEqual([
        { type: 'ignored', reason: 'the run is ending (cancelled by ann): waiting for its tasks to stop' },
      ]);
    }
    expect(run.step({ type: 'tick', at: T0 + 7 * 3_600_000 })).toEqual([]);
    expect(run.state).toBe(ending);
    // A failed attempt of a task told to stop is not retried, and emits nothing.
    expect(run.exit('b', 1)).toEqual([]);
    expect(run.state.nodes.b).toMatchObject({ state: 'cancelled', exitCode: 1 });
    expect(run.executed()).toEqual(['a#1', 'b#1']);
    run.step({ type: 'lost', runner: 'vm-3', at: run.next() });
    expect(run.last).toEqual([
      { type: 'ended', result: 'cancelled', reasonCode: 'cancelled', reason: 'cancelled by ann' },
    ]);
    expect(run.nodeStates()).toEqual({ a: 'cancelled', b: 'cancelled', gate: 'cancelled' });
  });

  it('is abandoned by the hub without waiting for its tasks', () => {
    const run = new ScriptedRun(flowOf([exec('a', 'trigger.good')]));
    expect(abandonRun(run.flow, run.state, run.next()).effects).toEqual([]);
    run.step({ type: 'cancel', by: 'ann', at: run.next() });
    const abandoned = abandonRun(run.flow, run.state, run.next());
    expect(abandoned.effects).toEqual([
      { type: 'ended', result: 'cancelled', reasonCode: 'cancelled', reason: 'cancelled by ann' },
    ]);
    expect(abandoned.state.nodes.a?.state).toBe('cancelled');
    expect(run.state.nodes.a?.state).toBe('running');
  });

  it('times out on a tick past the deadline, and not before', () => {
    const run = new ScriptedRun(flowOf([exec('a', 'trigger.good')]));
    const state = run.state;
    expect(run.step({ type: 'tick', at: T0 + 6 * 3_600_000 - 1 })).toEqual([]);
    expect(run.state).toBe(state);
    run.step({ type: 'tick', at: T0 + 6 * 3_600_000 });
    expect(run.last).toEqual([{ type: 'kill', node: 'a' }]);
    run.finish('a', { kind: 'cancelled' });
    expect(run.last).toEqual([{ type: 'ended', result: 'bad', reasonCode: 'timeout', reason: 'timed out after 6h' }]);
  });

  it('times out when an input comes after the deadline, ignoring that input', () => {
    const run = new ScriptedRun(flowOf([data('gate', 'trigger.good')], { timeout: '30m' }));
    run.step({ type: 'data', node: 'gate', values: {}, at: T0 + 31 * 60_000 });
    expect(run.state.ended).toMatchObject({ result: 'bad', reasonCode: 'timeout', reason: 'timed out after 30m' });
    expect(run.state.nodes.gate?.state).toBe('cancelled');
    expect(run.last.at(-1)).toEqual({ type: 'ignored', reason: 'data came after the deadline' });
  });

  it('times out when a task finishes after the deadline: that task is one the timeout stops', () => {
    const run = new ScriptedRun(flowOf([exec('a', 'trigger.good')], { timeout: '30m' }));
    run.step({
      type: 'task-finished',
      node: 'a',
      attempt: 1,
      outcome: { kind: 'exited', exitCode: 0 },
      at: T0 + 31 * 60_000,
    });
    expect(run.state.ended).toMatchObject({ result: 'bad', reasonCode: 'timeout', reason: 'timed out after 30m' });
    expect(run.state.nodes.a?.state).toBe('cancelled');
    expect(run.tags()).toEqual(['trigger.good']);
  });

  it('is lost with its runner, at once: nobody is left to report its tasks', () => {
    const run = new ScriptedRun(flowOf([exec('a', 'trigger.good')]));
    run.step({ type: 'lost', runner: 'vm-3', at: run.next() });
    expect(run.state.ended).toMatchObject({ result: 'bad', reasonCode: 'lost', reason: 'runner vm-3 lost' });
    expect(run.state.nodes.a?.state).toBe('cancelled');
  });

  it('ends once: the first ending wins and every later input is ignored', () => {
    const run = new ScriptedRun(flowOf([exec('a', 'trigger.good')]));
    run.step({ type: 'cancel', by: 'ann', at: run.next() });
    run.finish('a', { kind: 'cancelled' });
    const ended = run.state;
    for (const input of [
      { type: 'lost', runner: 'vm-3', at: run.next() },
      { type: 'tick', at: T0 + 7 * 3_600_000 },
      { type: 'task-finished', node: 'a', attempt: 1, outcome: { kind: 'cancelled' }, at: run.next() },
    ] satisfies EngineInput[]) {
      expect(run.step(input)).toEqual([{ type: 'ignored', reason: 'the run already ended: cancelled by ann' }]);
    }
    expect(run.state).toBe(ended);
    expect(run.of('ended')).toHaveLength(1);
  });
});

describe('retry (DESIGN §8 "Retry")', () => {
  it('executes a failing task again up to retry more times and emits one event after the last attempt', () => {
    const run = new ScriptedRun(flowOf([exec('a', 'trigger.good', { retry: 2 }), exec('b', 'task.a.bad')]));
    expect(run.exit('a', 1)).toEqual([{ type: 'execute', node: 'a', attempt: 2 }]);
    run.finish('a', { kind: 'timed-out', afterMs: 5_000 });
    expect(run.last).toEqual([{ type: 'execute', node: 'a', attempt: 3 }]);
    expect(run.state.nodes.a).toMatchObject({ state: 'running', attempt: 3 });
    run.finish('a', { kind: 'error', message: 'gone' });
    expect(run.tags()).toEqual(['trigger.good', 'task.a.error']);
    expect(run.state.ended?.reason).toBe(
      'task a could not run (gone) (attempt 3 of 3) and nothing listens to task.a.error',
    );
  });

  it('stops retrying once an attempt is good', () => {
    const run = new ScriptedRun(flowOf([exec('a', 'trigger.good', { retry: 3 })]));
    run.exit('a', 1);
    run.exit('a', 0);
    expect(run.executed()).toEqual(['a#1', 'a#2']);
    expect(run.state.nodes.a).toMatchObject({ state: 'good', attempt: 2, exitCode: 0 });
    expect(run.state.ended?.result).toBe('good');
  });

  it('ignores a finish of an attempt that is not the current one', () => {
    const run = new ScriptedRun(flowOf([exec('a', 'trigger.good', { retry: 1 })]));
    run.exit('a', 1);
    expect(run.exit('a', 0, 1)).toEqual([
      { type: 'ignored', reason: 'attempt 1 of task a is not the current one (2)' },
    ]);
    expect(run.exit('a', 0, 3)).toMatchObject([{ type: 'ignored' }]);
  });

  it('does not retry a cancelled attempt', () => {
    const run = new ScriptedRun(flowOf([exec('a', 'trigger.good', { retry: 2 }), exec('b', 'task.a.bad')]));
    run.finish('a', { kind: 'cancelled' });
    expect(run.executed()).toEqual(['a#1', 'b#1']);
    expect(run.state.nodes.a?.state).toBe('cancelled');
  });
});

describe('inputs that do not apply', () => {
  it('ignores a finish for an unknown node, a node that is not running, or a node that is not executed', () => {
    const run = new ScriptedRun(
      flowOf([exec('a', 'trigger.good'), exec('b', 'task.a.good'), data('d', 'trigger.good')]),
    );
    expect(run.exit('zz', 0)).toEqual([{ type: 'ignored', reason: 'no node zz in this flow' }]);
    expect(run.exit('b', 0, 1)).toEqual([{ type: 'ignored', reason: 'task b is not running (waiting)' }]);
    expect(run.exit('d', 0, 1)).toEqual([{ type: 'ignored', reason: 'd is not a task that is executed' }]);
    run.exit('a', 0);
    expect(run.exit('a', 0, 1)).toEqual([{ type: 'ignored', reason: 'task a is not running (good)' }]);
  });

  it('ignores what is not an engine input at all, without throwing', () => {
    const flow = flowOf([exec('a', 'trigger.good')]);
    const { state } = startRun(flow, { at: T0 });
    const junk = { type: 'data', node: 'a', values: { n: 3 }, at: T0 } as unknown as EngineInput;
    const step = stepRun(flow, state, junk);
    expect(step.state).toBe(state);
    expect(step.effects).toMatchObject([{ type: 'ignored' }]);
    expect(stepRun(flow, state, null as unknown as EngineInput).effects).toMatchObject([{ type: 'ignored' }]);
  });

  it('numbers the events of a run from 1, strictly increasing', () => {
    const run = new ScriptedRun(
      flowOf([
        exec('a', 'trigger.good'),
        exec('b', 'trigger.good'),
        merge('m', ['task.a.good', 'task.b.good']),
        exec('c', 'merge.m.good'),
      ]),
    );
    run.exit('a', 0);
    run.exit('b', 0);
    run.exit('c', 0);
    expect(run.state.events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(run.of('event').map((effect) => (effect.type === 'event' ? effect.seq : 0))).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('retry from a node (DESIGN §8 "Retry")', () => {
  const pipeline = () =>
    flowOf([
      exec('checkout', 'trigger.good'),
      exec('build', 'task.checkout.good', { 'use-status': true }),
      exec('lint', 'task.checkout.good'),
      merge('checked', ['task.build.0', 'task.lint.good']),
      exec('test', 'merge.checked.good'),
      exec('deploy', 'task.test.good'),
      end('done', 'task.deploy.good'),
    ]);
  const failedRun = () => {
    const run = new ScriptedRun(pipeline(), { data: { branch: 'main' } });
    run.exit('checkout', 0);
    run.exit('build', 0);
    run.exit('lint', 0);
    run.exit('test', 1);
    expect(run.state.ended?.reasonCode).toBe('unhandled-failure');
    return run.state;
  };

  it('calls downstream what listens to or waits on what a node can emit, transitively', () => {
    expect([...downstreamNodes(pipeline(), 'build')].sort()).toEqual(['build', 'checked', 'deploy', 'done', 'test']);
    expect([...downstreamNodes(pipeline(), 'deploy')].sort()).toEqual(['deploy', 'done']);
    expect(downstreamNodes(pipeline(), 'nope').size).toBe(0);
  });

  it('replays the good results upstream of the node without executing them, then runs from it', () => {
    const previous = failedRun();
    const run = new ScriptedRun(pipeline(), { at: T0 + 3_600_000, replay: { from: 'test', previous } });
    expect(run.executed()).toEqual(['test#1']);
    expect(run.of('event')).toMatchObject([
      { seq: 1, tag: 'trigger.good' },
      { seq: 2, tag: 'task.checkout.good', replayed: true },
      { seq: 3, tag: 'task.build.0', replayed: true },
      { seq: 4, tag: 'task.lint.good', replayed: true },
      { seq: 5, tag: 'merge.checked.good' },
    ]);
    expect(run.state.nodes.build).toMatchObject({ state: 'good', replayed: true, exitCode: 0 });
    expect(run.state.data).toEqual({ branch: 'main' });
    run.exit('test', 0);
    run.exit('deploy', 0);
    expect(run.state.ended).toMatchObject({ result: 'good', reasonCode: 'end' });
  });

  it('runs the node itself and everything downstream afresh even if they were good', () => {
    const previous = failedRun();
    const run = new ScriptedRun(pipeline(), { replay: { from: 'build', previous } });
    expect(run.executed()).toEqual(['build#1']);
    expect(run.state.nodes.lint?.replayed).toBe(true);
    expect(run.state.nodes.build?.replayed).toBeUndefined();
  });

  it('runs everything when the node to retry from is unknown, and says so', () => {
    const run = new ScriptedRun(pipeline(), { replay: { from: 'nope', previous: failedRun() } });
    expect(run.of('ignored')).toEqual([
      { type: 'ignored', reason: 'cannot retry from nope: the flow has no such node' },
    ]);
    expect(run.executed()).toEqual(['checkout#1']);
  });
});
