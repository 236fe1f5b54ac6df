import type { RunDetail } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { mergeFetchedRun } from './merge-run.js';

const base = {
  id: 'r1',
  number: 1,
  flowId: 'f',
  repo: 'acme',
  trigger: { type: 'api' },
  createdAt: 1,
} as unknown as RunDetail;
const active: RunDetail = {
  ...base,
  state: 'active',
  nodes: [{ id: 'build', state: 'running' }],
  events: [{ seq: 1, at: 1, kind: 'node', node: 'build', state: 'running' }],
} as RunDetail;
const ended: RunDetail = {
  ...base,
  state: 'archived',
  result: 'bad',
  reason: 'task build exited 3',
  nodes: [{ id: 'build', state: 'bad', exitCode: 3 }],
  events: [{ seq: 2, at: 2, kind: 'node', node: 'build', state: 'bad' }],
} as RunDetail;

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
    const later = { ...active, nodes: [{ id: 'build', state: 'good' }] } as RunDetail;
    expect(mergeFetchedRun(later, active).nodes).toEqual(later.nodes);
  });
});
