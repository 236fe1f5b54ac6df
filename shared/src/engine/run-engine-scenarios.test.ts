// The original floe's own scenarios that concern the engine, run on ours. Where floe changed the original's behaviour
// on purpose (docs/floe-yaml.md "Coming from floe"), the test name says so and cites the rule.
import { describe, expect, it } from 'vitest';
import type { FlowInput } from '../flow/flow-schema.js';
import { ScriptedRun } from '../testing/scripted-run.js';
import { testFlow } from '../testing/test-flow.js';

/** Finishes every executed task that has not finished yet, with the exit code `codeOf` gives, until none is left. */
function runTasks(run: ScriptedRun, codeOf: (node: string) => number = () => 0): void {
  for (;;) {
    const running = Object.entries(run.state.nodes).find(([, node]) => node.state === 'running');
    if (!running || run.state.ended) return;
    run.exit(running[0], codeOf(running[0]));
  }
}

const count = (tags: string[], tag: string) => tags.filter((t) => t === tag).length;

describe("the original floe's scenarios", () => {
  it('runs the happy path from a form trigger through a merge to the end node', () => {
    const flow = testFlow({
      id: 'build-project',
      triggers: [{ name: 'form', type: 'data', opts: { form: { fields: [{ id: 'branch' }] } } }],
      tasks: [
        { id: 'checkout', type: 'git-checkout', listen: 'trigger.good' },
        { id: 'build', type: 'exec', listen: 'task.checkout.good', opts: { cmd: 'ls /' } },
        { id: 'test1', type: 'exec', listen: 'task.build.good', opts: { cmd: 'echo 1' } },
        { id: 'test2', type: 'exec', listen: 'task.build.good', opts: { cmd: 'echo 2' } },
        { id: 'merge-tests', class: 'merge', type: 'all', wait: ['task.test1.good', 'task.test2.good'] },
        { id: 'complete', type: 'end', listen: 'merge.merge-tests.good' },
      ],
    } as FlowInput);
    const run = new ScriptedRun(flow, { data: { branch: 'blah.blah' } });
    runTasks(run);
    const tags = run.tags();
    for (const tag of [
      'trigger.good',
      'task.checkout.good',
      'task.build.good',
      'task.test1.good',
      'task.test2.good',
      'merge.merge-tests.good',
    ]) {
      expect(count(tags, tag), tag).toBe(1);
    }
    expect(run.of('event')[0]).toMatchObject({ source: 'form' });
    expect(run.of('ended')).toEqual([
      {
        type: 'ended',
        result: 'good',
        reasonCode: 'end',
        reason: 'reached end node complete on merge.merge-tests.good',
      },
    ]);
    expect(Object.values(run.state.nodes).every((node) => node.state === 'good')).toBe(true);
  });

  it('pauses at a data node and resumes when its form is filled in', () => {
    const flow = testFlow({
      id: 'build-project',
      triggers: [{ name: 'form', type: 'data' }],
      tasks: [
        { id: 'build', type: 'exec', listen: 'trigger.good', opts: { cmd: 'ls' } },
        {
          name: 'Sign Off',
          type: 'data',
          listen: 'task.build.good',
          opts: { form: { fields: [{ id: 'tests_passed' }, { id: 'to_hash' }] } },
        },
        { id: 'test1', type: 'exec', listen: 'task.sign-off.good', opts: { cmd: 'true' } },
        { id: 'complete', type: 'end', listen: 'task.test1.good' },
      ],
    } as FlowInput);
    const run = new ScriptedRun(flow, { data: { url: 'blah.blah' } });
    runTasks(run);
    expect(run.of('await-input')).toEqual([{ type: 'await-input', node: 'sign-off' }]);
    expect(run.state.ended).toBeUndefined();
    run.data('sign-off', { tests_passed: 'true', to_hash: 'blhahaha' });
    runTasks(run);
    expect(run.state.ended).toMatchObject({ result: 'good', reasonCode: 'end' });
    expect(run.state.nodes['sign-off']?.values).toEqual({ tests_passed: 'true', to_hash: 'blhahaha' });
  });

  it('a good event with no listener neither ends the run nor drops the other branch (differs: DESIGN §3 rule 2)', () => {
    const flow = testFlow({
      tasks: [
        { id: 'fast', type: 'exec', listen: 'trigger.good', opts: { cmd: 'true' } },
        { id: 'slow', type: 'exec', listen: 'trigger.good', opts: { cmd: 'sleep 5' } },
        { id: 'after-slow', type: 'exec', listen: 'task.slow.good', opts: { cmd: 'true' } },
      ],
    } as FlowInput);
    const run = new ScriptedRun(flow);
    run.exit('fast', 0);
    expect(run.state.ended).toBeUndefined();
    run.exit('slow', 0);
    expect(run.tags()).toContain('task.slow.good');
    expect(run.executed()).toContain('after-slow#1');
    run.exit('after-slow', 0);
    expect(run.state.ended).toMatchObject({ result: 'good', reasonCode: 'no-end', reason: 'all tasks finished' });
  });

  it('an unhandled task.x.bad ends the run bad', () => {
    const flow = testFlow({ tasks: [{ id: 'x', type: 'exec', listen: 'trigger.good', opts: { cmd: 'false' } }] });
    const run = new ScriptedRun(flow);
    run.exit('x', 1);
    expect(run.state.ended).toMatchObject({
      result: 'bad',
      reasonCode: 'unhandled-failure',
      reason: 'task x exited 1 and nothing listens to task.x.bad',
    });
  });

  it('use-status, ignore-fail and a task that could not run give the original tags', () => {
    const flow = testFlow({
      tasks: [
        { id: 'st', type: 'exec', listen: 'trigger.good', 'use-status': true, good: [0, 3], opts: { cmd: 'x' } },
        { id: 'ig', type: 'exec', listen: 'trigger.good', 'ignore-fail': true, opts: { cmd: 'x' } },
        { id: 'er', type: 'fetch', listen: 'trigger.good', opts: { url: 'http://127.0.0.1:1/nothing' } },
        { id: 'on-error', type: 'exec', listen: 'task.er.error', opts: { cmd: 'x' } },
      ],
    } as FlowInput);
    const run = new ScriptedRun(flow);
    run.exit('st', 3);
    run.exit('ig', 7);
    run.finish('er', { kind: 'error', message: 'connection refused' });
    expect(run.of('event').slice(1)).toMatchObject([
      { tag: 'task.st.3', good: true },
      { tag: 'task.ig.good', good: true },
      { tag: 'task.er.error', good: false },
    ]);
    expect(run.executed()).toContain('on-error#1');
  });

  it('an any merge fires once on its first input; an all merge can wait on bad tags', () => {
    const flow = testFlow({
      tasks: [
        { id: 'a', type: 'exec', listen: 'trigger.good', opts: { cmd: 'x' } },
        { id: 'b', type: 'exec', listen: 'trigger.good', opts: { cmd: 'x' } },
        { id: 'c', type: 'exec', listen: 'trigger.good', opts: { cmd: 'x' } },
        { id: 'first', class: 'merge', type: 'any', wait: ['task.a.good', 'task.b.good'] },
        { id: 'failures', class: 'merge', type: 'all', wait: ['task.b.good', 'task.c.bad'] },
        { id: 'after-first', type: 'exec', listen: 'merge.first.good', opts: { cmd: 'x' } },
        { id: 'after-failures', type: 'exec', listen: 'merge.failures.good', opts: { cmd: 'x' } },
      ],
    } as FlowInput);
    const run = new ScriptedRun(flow);
    run.exit('a', 0);
    run.exit('b', 0);
    run.exit('c', 1);
    expect(count(run.tags(), 'merge.first.good')).toBe(1);
    expect(count(run.tags(), 'merge.failures.good')).toBe(1);
    expect(run.executed().filter((e) => e.startsWith('after-'))).toEqual(['after-first#1', 'after-failures#1']);
  });

  it('a data node on trigger.good is filled from the trigger data that carries every field', () => {
    const flow = testFlow({
      triggers: [{ type: 'data', opts: { form: { fields: [{ id: 'branch' }, { id: 'note' }] } } }],
      tasks: [
        { id: 'confirm', type: 'data', listen: 'trigger.good', opts: { form: { fields: [{ id: 'branch' }] } } },
        { id: 'use', type: 'exec', listen: 'task.confirm.good', opts: { cmd: 'x' } },
      ],
    } as FlowInput);
    const run = new ScriptedRun(flow, { data: { branch: 'main', note: 'n' } });
    expect(run.state.nodes.confirm).toMatchObject({
      state: 'good',
      values: { branch: 'main' },
      reason: "filled from the trigger's data (branch)",
    });
    expect(run.state.nodes.confirm?.by).toBeUndefined();
    expect(run.tags()).toEqual(['trigger.good', 'task.confirm.good']);
    expect(run.executed()).toEqual(['use#1']);
  });

  it('a form the trigger data does not fill, a fieldless one, or one deeper in the flow waits (differs)', () => {
    const form = { form: { fields: [{ id: 'branch' }, { id: 'ok' }] } };
    const flow = testFlow({
      triggers: [{ type: 'data', opts: form }],
      tasks: [
        { id: 'partly', type: 'data', listen: 'trigger.good', opts: form },
        { id: 'bare', type: 'data', listen: 'trigger.good' },
        { id: 'a', type: 'exec', listen: 'trigger.good', opts: { cmd: 'x' } },
        { id: 'deeper', type: 'data', listen: 'task.a.good', opts: form },
      ],
    } as FlowInput);
    const run = new ScriptedRun(flow, { data: { branch: 'main', ok: '' } });
    run.exit('a', 0);
    expect(run.nodeStates()).toMatchObject({ partly: 'awaiting-input', bare: 'awaiting-input' });
    const full = new ScriptedRun(flow, { data: { branch: 'main', ok: 'yes' } });
    full.exit('a', 0);
    expect(full.nodeStates()).toMatchObject({ partly: 'good', bare: 'awaiting-input', deeper: 'awaiting-input' });
  });

  it('good: [] means the default, exit 0 is good (as the original)', () => {
    const flow = testFlow({
      tasks: [{ id: 'a', type: 'exec', listen: 'trigger.good', good: [], opts: { cmd: 'x' } }],
    } as FlowInput);
    const zero = new ScriptedRun(flow);
    zero.exit('a', 0);
    expect(zero.state.ended).toMatchObject({ result: 'good' });
    const one = new ScriptedRun(flow);
    one.exit('a', 1);
    expect(one.tags()).toEqual(['trigger.good', 'task.a.bad']);
  });

  it('form input with a value that is not a string is refused whole, not filtered (differs)', () => {
    const flow = testFlow({ tasks: [{ id: 'confirm', type: 'data', listen: 'trigger.good' }] } as FlowInput);
    const run = new ScriptedRun(flow);
    const effects = run.step({ type: 'data', node: 'confirm', values: { ok: true }, at: run.next() } as never);
    expect(effects).toMatchObject([{ type: 'ignored' }]);
    expect(run.state.nodes.confirm?.state).toBe('awaiting-input');
  });

  it('a run whose remaining nodes can never start ends instead of staying active for ever (differs)', () => {
    const flow = testFlow({
      tasks: [
        { id: 'a', type: 'exec', listen: 'trigger.good', opts: { cmd: 'x' } },
        { id: 'handle', type: 'exec', listen: 'task.a.bad', opts: { cmd: 'x' } },
        { id: 'both', class: 'merge', wait: ['task.a.good', 'task.handle.good'] },
      ],
    } as FlowInput);
    const run = new ScriptedRun(flow);
    run.exit('a', 1);
    run.exit('handle', 0);
    expect(run.state.ended).toMatchObject({ result: 'good', reasonCode: 'no-end' });
    expect(run.state.nodes.both?.state).toBe('skipped');
  });

  it('an end node reached by an event ends the run before any other listener of it starts (differs)', () => {
    const flow = testFlow({
      tasks: [
        { id: 'a', type: 'exec', listen: 'trigger.good', opts: { cmd: 'x' } },
        { id: 'earlier', type: 'exec', listen: 'task.a.good', opts: { cmd: 'x' } },
        { id: 'stop', type: 'end', listen: 'task.a.good' },
        { id: 'later', type: 'exec', listen: 'task.a.good', opts: { cmd: 'x' } },
      ],
    } as FlowInput);
    const run = new ScriptedRun(flow);
    run.exit('a', 0);
    expect(run.executed()).toEqual(['a#1']);
    expect(run.of('kill')).toEqual([]);
    expect(run.nodeStates()).toEqual({ a: 'good', earlier: 'skipped', stop: 'good', later: 'skipped' });
  });

  it('a data node answered twice runs its listener once (differs: DESIGN §3 rule 1)', () => {
    const flow = testFlow({
      tasks: [
        { id: 'gate', type: 'data', listen: 'trigger.good' },
        { id: 'next', type: 'exec', listen: 'task.gate.good', opts: { cmd: 'x' } },
      ],
    } as FlowInput);
    const run = new ScriptedRun(flow);
    run.data('gate', {});
    expect(run.data('gate', {})).toMatchObject([{ type: 'ignored' }]);
    expect(run.executed()).toEqual(['next#1']);
  });
});
