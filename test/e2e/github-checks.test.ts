// The GitHub App end to end (issue 4): webhooks signed as GitHub signs them reach the hub over HTTP; the hub
// talks to the fake GitHub (every request checked against GitHub's OpenAPI description) and a real runner runs
// the flows; results come back as check runs.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeGithub, type FakeRepo } from '../github/fake-github.js';
import { eventually, type GithubHarness, startGithubHarness } from '../github/github-harness.js';
import { pushEvent } from '../github/webhook-payloads.js';

const FLOE_YAML = `flows:
  - id: build
    triggers:
      - id: push
        type: push
        opts:
          branches: [main, "feature/**"]
    tasks:
      - id: checkout
        type: git-checkout
        listen: trigger.good
        opts:
          sub-dir: src
      - id: test
        type: exec
        listen: task.checkout.good
        opts:
          shell: cat src/README.md && echo built
  - id: broken
    triggers:
      - id: push
        type: push
        opts:
          branches: ["fail/**"]
    tasks:
      - id: compile
        type: exec
        listen: trigger.good
        opts:
          shell: |
            for i in $(seq 1 100); do echo "line $i"; done
            echo "compiler says no" >&2
            exit 3
`;

let fake: FakeGithub;
let h: GithubHarness;
let repo: FakeRepo;
let delivery = 0;

beforeAll(async () => {
  fake = await FakeGithub.start();
  repo = fake.createRepo('acme/widgets', { 'FLOE.yaml': FLOE_YAML, 'README.md': 'hello widgets\n' });
  h = await startGithubHarness(fake);
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});
afterEach(() => {
  // Every request the app made matched GitHub's OpenAPI description.
  expect(fake.failures).toEqual([]);
  fake.reset();
});

async function push(branch: string, files: Record<string, string>, message: string) {
  const ref = `refs/heads/${branch}`;
  const sha = repo.commit(files, message, branch);
  const response = await h.deliver({
    id: `delivery-${++delivery}`,
    event: 'push',
    payload: pushEvent(fake, repo, { ref, after: sha, message }),
  });
  expect(response.status).toBe(200);
  return sha;
}

describe('push', () => {
  it('reports a run as a check run: queued, in_progress, then success with a summary of its nodes', async () => {
    const sha = await push('feature/a', { 'README.md': 'feature a\n' }, 'feature a');
    const check = await eventually(() => fake.checksOf(sha).find((c) => c.conclusion !== undefined));
    expect(check.name).toBe('build');
    expect(check.statuses).toEqual(['queued', 'in_progress', 'completed']);
    expect(check.conclusion).toBe('success');
    expect(check.output?.summary).toContain('| checkout | good');
    expect(check.output?.summary).toContain('| test | good (exit 0)');
    const run = await h.hub.store.getRun(check.external_id as string);
    expect(run?.sha).toBe(sha);
    expect(check.output?.summary).toContain(`https://floe.example.test/runs/${run?.id}`);
    // The installation token went to the runner with the run, and never into a stored log.
    expect(fake.tokens.length).toBeGreaterThan(0);
    const logs = (await h.hub.store.readLog(run?.id as string, 'test')).chunks.map((c) => c.text).join('');
    expect(logs).toContain('feature a');
    for (const token of fake.tokens) {
      for (const node of ['checkout', 'test']) {
        const text = (await h.hub.store.readLog(run?.id as string, node)).chunks.map((c) => c.text).join('');
        expect(text).not.toContain(token);
      }
      expect(h.logText()).not.toContain(token);
      expect(JSON.stringify(await h.hub.run(run?.id as string))).not.toContain(token);
    }
  });

  it('reports a failing flow as failure with the tail of the failing node log', async () => {
    const sha = await push('fail/x', { 'README.md': 'x\n' }, 'break it');
    const check = await eventually(() => fake.checksOf(sha).find((c) => c.conclusion !== undefined));
    expect(check.name).toBe('broken');
    expect(check.conclusion).toBe('failure');
    expect(check.output?.text).toContain('compiler says no');
    expect(check.output?.text).toContain('line 100');
    // Only the tail: the first lines of a long log are left out.
    expect(check.output?.text).not.toContain('line 1\n');
  });
});
