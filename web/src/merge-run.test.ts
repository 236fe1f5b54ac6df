import { type RunDetail, RunDetailSchema } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { mergeFetchedRun } from './merge-run.js';

const base = {
  id: 'r1',
  number: 1,
  flowId: 'f',
  repo: 'acme',
  trigger: { type: 'api' },
  trust: 'trusted',
  createdAt: 1,
};
const active = RunDetailSchema.parse({
  ...base,
  state: 'active',
  nodes: [{ id: 'build', state: 'running' }],
  events: [{ seq: 1, tag: 'trigger.good', good: true, at: 1, source: 'trigger' }],
});
const ended = RunDetailSchema.parse({
  ...base,
  state: 'archived',
  result: 'bad',
  reason: 'task build exited 3',
  nodes: [{ id: 'build', state: 'bad', exitCode: 3 }],
  events: [{ seq: 2, tag: 'task.build.bad', good: false, at: 2, source: 'build' }],
});

describe('mergeFetchedRun', () => {
  it('keeps a run that ended in a live message when the fetch answers later with an older snapshot', () => {
    const merged = mergeFetchedRun(active, ended);
    expect(merged.state).toBe('archived');
    expect(merged.result).toBe('bad');
    expect(merged.nodes).toEqual(ended.nodes);
    expect(merged.events?.map((event) => event.seq)).toEqual([1, 2]);
  });

  it('takes the fetched run otherwise', () => {
    expect(mergeFetchedRun(ended, active).state).toBe('archived');
    expect(mergeFetchedRun(active, undefined)).toEqual(active);
    const later: RunDetail = { ...active, nodes: [{ id: 'build', state: 'good' }] };
    expect(mergeFetchedRun(later, active).nodes).toEqual(later.nodes);
  });
});
