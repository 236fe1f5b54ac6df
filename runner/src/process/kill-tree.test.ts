import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { groupAlive, groupOutlives, killTree } from './kill-tree.js';
import { exitOf } from './warm-shell.js';

/** A group whose leader exits at once, leaving a `sleep seconds` in it; resolves with both pids once it has. */
async function leaderGone(seconds: number): Promise<{ leader: number; member: number }> {
  const child = spawn('bash', ['-c', `sleep ${seconds} & echo $!`], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.on('data', (bytes: Buffer) => {
    out += bytes.toString();
  });
  await exitOf(child);
  return { leader: child.pid as number, member: Number(out.trim()) };
}

describe('groupOutlives', () => {
  it("waits for a sandbox's own members to leave instead of taking them for leftovers", async () => {
    // Like bwrap's init still tearing its namespaces down after bwrap has exited.
    const { leader, member } = await leaderGone(2);
    expect(groupAlive(leader, [leader, member])).toBe(true);
    expect(await groupOutlives(leader, () => [leader, member], 10_000)).toBe(false);
  });

  it('says a group outlives its task when a member stays past the grace, and at once without known members', async () => {
    const { leader, member } = await leaderGone(30);
    try {
      expect(await groupOutlives(leader)).toBe(true);
      expect(await groupOutlives(leader, () => [leader, member], 50)).toBe(true);
    } finally {
      await killTree(leader, { skipInterrupt: true, graceMs: 1_000 });
    }
    expect(groupAlive(leader)).toBe(false);
  });
});
