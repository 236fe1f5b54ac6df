import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { countSpawnThatForks, forkMark, forksSinceBoot, nothingElseForked } from './fork-count.js';

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

  it('counts a spawn whose process forks by itself, and judges nothing quiet until it has said so', () => {
    // The count is machine-wide: another process on this machine may fork in any window, so a quiet window is
    // looked for a few times; a window that contains a fork nobody counted must never look quiet.
    let quiet = false;
    for (let attempt = 0; attempt < 20 && !quiet; attempt++) {
      const mark = forkMark();
      const settle = countSpawnThatForks();
      execFileSync('sh', ['-c', 'true & wait']); // sh, and the fork for its background job
      expect(nothingElseForked(mark)).toBe(false);
      settle(true);
      quiet = nothingElseForked(mark);
    }
    expect(quiet).toBe(true);
  });

  it('uncounts the second fork of a spawn that exited before saying it forked', () => {
    let quiet = false;
    for (let attempt = 0; attempt < 20 && !quiet; attempt++) {
      const mark = forkMark();
      const settle = countSpawnThatForks();
      execFileSync('true');
      settle(false);
      quiet = nothingElseForked(mark);
    }
    expect(quiet).toBe(true);
  });
});
