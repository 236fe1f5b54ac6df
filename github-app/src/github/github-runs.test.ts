import { describe, expect, it } from 'vitest';
import type { RunRow } from '../store/store.js';
import { githubUser, latestPerFlow } from './github-runs.js';

describe('github runs', () => {
  it('keeps the newest run of each flow from a newest-first list', () => {
    const runs = [
      { id: 'r4', flowId: 'build' },
      { id: 'r3', flowId: 'test' },
      { id: 'r2', flowId: 'build' },
      { id: 'r1', flowId: 'test' },
    ] as RunRow[];
    expect(latestPerFlow(runs).map((run) => run.id)).toEqual(['r4', 'r3']);
  });

  it('names a GitHub user as an operator the audit can tell from API tokens', () => {
    expect(githubUser('octocat')).toEqual({ name: 'github:octocat', role: 'operator' });
  });
});
