import type { NodeView, RunSummary } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import {
  failedNode,
  nodeContext,
  nodeDescription,
  runContext,
  runDescription,
  runIcon,
  runsOnBranch,
  runTooltip,
} from './run-presentation.js';

const base: RunSummary = {
  id: 'r1',
  number: 7,
  flowId: 'build',
  repo: 'acme/shop',
  ref: 'refs/heads/main',
  state: 'pending',
  trigger: { type: 'manual', by: 'ann' },
  trust: 'trusted',
  createdAt: 1,
};

describe('run presentation', () => {
  it('marks an untrusted run in its description and tooltip, and a trusted one not', () => {
    const untrusted = {
      ...base,
      state: 'active' as const,
      runner: 'vm-1',
      ref: 'refs/pull/6/head',
      trust: 'untrusted' as const,
    };
    expect(runDescription(untrusted)).toBe('running on vm-1 · refs/pull/6/head · untrusted');
    expect(runTooltip(untrusted)).toContain('Untrusted: code from another repository');
    expect(runDescription({ ...untrusted, trust: 'trusted' })).not.toContain('untrusted');
    expect(runTooltip({ ...untrusted, trust: 'trusted' })).not.toContain('Untrusted');
  });

  it('says why a pending run waits', () => {
    const run = { ...base, pendingReason: 'no runner has tags gpu' };
    expect(runDescription(run)).toBe('pending: no runner has tags gpu · main');
    expect(runTooltip(run)).toContain('Why pending: no runner has tags gpu');
    expect(runIcon(run).id).toBe('clock');
    expect(runContext(run)).toBe('run cancelable');
  });

  it('shows a failed run as retryable and failed, with a red icon', () => {
    const run: RunSummary = { ...base, state: 'archived', result: 'bad', reason: 'task build exited 2' };
    expect(runContext(run)).toBe('run retryable failed');
    expect(runIcon(run)).toEqual({ id: 'error', color: 'testing.iconFailed' });
    expect(runDescription(run)).toBe('bad · main');
  });

  it('spins while active and names the runner', () => {
    const run: RunSummary = { ...base, state: 'active', runner: 'vm-3' };
    expect(runIcon(run).id).toBe('sync~spin');
    expect(runDescription(run)).toBe('running on vm-3 · main');
  });

  it('says why an ending run is stopping, and offers no second cancel', () => {
    const run: RunSummary = { ...base, state: 'active', runner: 'vm-3', stopping: 'cancelled by ann' };
    expect(runDescription(run)).toBe('stopping: cancelled by ann · main');
    expect(runContext(run)).toBe('run');
  });

  it('keeps runs of the current branch', () => {
    const other = { ...base, id: 'r2', ref: 'feature' };
    expect(runsOnBranch([base, other], 'main').map((run) => run.id)).toEqual(['r1']);
    expect(runsOnBranch([base, other], 'feature').map((run) => run.id)).toEqual(['r2']);
    expect(runsOnBranch([base], undefined)).toEqual([]);
  });
});

describe('node presentation', () => {
  const node = (patch: Partial<NodeView>): NodeView => ({ id: 'n', state: 'waiting', ...patch });

  it('offers approval for a waiting data node', () => {
    expect(nodeContext(node({ type: 'data', state: 'awaiting-input' }))).toBe('node has-log awaiting-input');
  });

  it('offers a retry from an executed task once the run has ended', () => {
    const ran = node({ id: 'b', state: 'bad', attempt: 1 });
    expect(nodeContext(ran, { ...base, state: 'archived', result: 'bad' })).toBe('node has-log failed retry-from');
    expect(nodeContext(ran, { ...base, state: 'active' })).toBe('node has-log failed');
  });

  it('has no log before it ran, nor for a merge', () => {
    expect(nodeContext(node({}))).toBe('node');
    expect(nodeContext(node({ type: 'merge', state: 'good' }))).toBe('node');
  });

  it('jumps to the first failed node that has a log', () => {
    const nodes = [
      node({ id: 'a', state: 'good' }),
      node({ id: 'm', type: 'merge', state: 'bad' }),
      node({ id: 'b', state: 'bad', exitCode: 2 }),
    ];
    expect(failedNode(nodes)?.id).toBe('b');
    expect(nodeDescription(nodes[2] as NodeView)).toBe('bad (exit 2)');
  });
});
