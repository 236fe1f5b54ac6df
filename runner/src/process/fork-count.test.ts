import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { forkMark, forksSinceBoot, nothingElseForked } from './fork-count.js';

describe.runIf(process.platform === 'linux')('fork count', () => {
  it('grows when a process is created', () => {
    const before = forksSinceBoot();
    execFileSync('true');
    expect(forksSinceBoot()).toBeGreaterThan(before as number);
  });

  it('tells that something else forked when a process was started outside runProcess', () => {
    const mark = forkMark();
    execFileSync('true');
    expect(nothingElseForked(mark)).toBe(false);
  });
});
