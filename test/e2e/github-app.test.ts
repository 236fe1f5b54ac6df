// The GitHub App end to end (issue 4): webhooks signed as GitHub signs them reach the hub over HTTP; the hub
// talks to the fake GitHub (every request checked against GitHub's OpenAPI description) and a real runner runs
// the flows; results come back as check runs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type StoreThatGoesAway, storeThatGoesAway } from '../../github-app/src/store/testing/store-that-goes-away.js';
import { secretForms } from '../../runner/src/execution/mask-secrets.js';
import { examplePayload, FakeGithub, type FakeRepo } from '../github/fake-github.js';
import { eventually, type GithubHarness, startGithubHarness } from '../github/github-harness.js';
import {
  checkRunRerequestedEvent,
  checkSuiteRerequestedEvent,
  prCommentEvent,
  pullRequestEvent,
  pushEvent,
} from '../github/webhook-payloads.js';

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
  - id: pr-check
    triggers:
      - id: pr
        type: pull-request
      - id: comment
        type: comment
    tasks:
      - id: checkout
        type: git-checkout
        listen: trigger.good
        opts:
          sub-dir: src
      - id: show
        type: exec
        listen: task.checkout.good
        opts:
          shell: cat src/README.md
  - id: slow
    cancel-superseded: true
    triggers:
      - id: push
        type: push
        opts:
          branches: ["slow/**"]
      - id: pr
        type: pull-request
        opts:
          branches: ["release/**"]
    tasks:
      - id: wait
        type: exec
        listen: trigger.good
        opts:
          shell: echo waiting; sleep 30
  - id: late
    timeout: 1s
    triggers:
      - id: push
        type: push
        opts:
          branches: ["late/**"]
    tasks:
      - id: wait
        type: exec
        listen: trigger.good
        opts:
          shell: sleep 20
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
  - id: leaky
    triggers:
      - id: push
        type: push
        opts:
          branches: ["leak/**"]
    tasks:
      - id: deploy
        type: exec
        listen: trigger.good
        opts:
          env: {TOKEN: "{{secret.DEPLOY_TOKEN}}"}
          shell: |
            echo "token: $TOKEN"
            printf "%s" "$TOKEN" | base64 -w0; echo
            echo "deploy failed with $TOKEN" >&2
            exit 1
  - id: reported
    triggers:
      - id: push
        type: push
        opts:
          branches: ["report/**"]
    tasks:
      - id: test
        type: exec
        listen: trigger.good
        reports: {junit: "out/*.xml"}
        opts:
          shell: |
            for i in $(seq 1 120); do echo "::warning file=src/f$i.ts,line=$i,col=2::lint $i"; done
            echo "::error::no file here"
            printf '## Coverage\\n\\n93%% of lines\\n' > "$FLOE_SUMMARY"
            mkdir -p out
            echo '<testsuite name="unit"><testcase classname="a" name="adds" file="src/add.test.ts" line="7"><failure message="1 + 1 is not 3"/></testcase><testcase name="ok"/></testsuite>' > out/unit.xml
            exit 1
`;

let fake: FakeGithub;
let h: GithubHarness;
let repo: FakeRepo;
let delivery = 0;
/** The hub's store, which a test takes away (DESIGN §4 "When the database is out of reach"). */
let database: StoreThatGoesAway;

beforeAll(async () => {
  fake = await FakeGithub.start();
  repo = fake.createRepo('acme/widgets', { 'FLOE.yaml': FLOE_YAML, 'README.md': 'hello widgets\n' });
  database = storeThatGoesAway(join(mkdtempSync(join(tmpdir(), 'floe-github-db-')), 'floe.db'));
  h = await startGithubHarness(fake, { store: database.store });
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

async function push(branch: string, files: Record<string, string>, message: string, id = `delivery-${++delivery}`) {
  const ref = `refs/heads/${branch}`;
  const sha = repo.commit(files, message, branch);
  const response = await h.deliver({ id, event: 'push', payload: pushEvent(fake, repo, { ref, after: sha, message }) });
  expect(response.status).toBe(200);
  return sha;
}

async function runsAt(sha: string) {
  return (await h.hub.store.listRuns({ repo: repo.fullName, limit: 500 })).runs.filter((run) => run.sha === sha);
}

/** Opens pull request `number` whose head commit holds `files`; from a fork, the commit is on no branch. */
function openPull(number: number, files: Record<string, string>, fork: boolean) {
  const headSha = repo.commit(files, `pull ${number}`, `refs/pull/${number}/head`);
  fake.pulls.set(number, { number, headSha, headRef: 'topic', baseRef: 'main', fork });
  return headSha;
}

async function comment(number: number, body: string, login: string) {
  const response = await h.deliver({
    id: `delivery-${++delivery}`,
    event: 'issue_comment',
    payload: prCommentEvent(fake, repo, { number, body, login }),
  });
  expect(response.status).toBe(200);
}

describe('a webhook while the database is away', () => {
  it('is answered 503 with nothing done, and does its work when GitHub redelivers it', async () => {
    const branch = 'feature/away';
    const sha = repo.commit({ 'README.md': 'away\n' }, 'while the database is away', branch);
    const payload = pushEvent(fake, repo, { ref: `refs/heads/${branch}`, after: sha, message: 'away' });
    database.down = true;
    await eventually(() => h.hub.problems().length > 0);
    const first = await h.deliver({ id: 'delivery-away', event: 'push', payload });
    expect(first.status).toBe(503);
    expect(((await first.json()) as { code: string }).code).toBe('FLOE_STORE_UNAVAILABLE');
    database.down = false;
    await eventually(() => h.hub.problems().length === 0);
    expect(await runsAt(sha)).toEqual([]);
    // A redelivery is the same delivery again.
    const again = await h.deliver({ id: 'delivery-away', event: 'push', payload });
    expect(again.status).toBe(200);
    expect((await runsAt(sha)).length).toBeGreaterThan(0);
  });
});

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
    // The runner cloned over HTTP with an installation token it got with the run (the fake refuses git without
    // one), and the token never reached a stored log, the hub's log or the API.
    expect(fake.gitRequests.length).toBeGreaterThan(0);
    expect(fake.gitRequests.every((r) => r.token !== undefined && fake.tokens.includes(r.token))).toBe(true);
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

  it('puts no secret into check-run text, even in the tail of a failing log that printed it', async () => {
    const secret = 'gh-deploy-Vq93+/kLz7Tw';
    await h.hub.secrets.put('DEPLOY_TOKEN', secret);
    const sha = await push('leak/x', { 'README.md': 'leak\n' }, 'print the token');
    const check = await eventually(() => fake.checksOf(sha).find((c) => c.conclusion !== undefined));
    expect(check.name).toBe('leaky');
    expect(check.conclusion).toBe('failure');
    expect(check.output?.text).toContain('deploy failed with ***');
    const sent = JSON.stringify(fake.requests.map((r) => r.body));
    expect(secretForms(secret).filter((form) => sent.includes(form))).toEqual([]);
  });

  it('starts a run from the API at a tag or a branch given by its short name, and says which it is', async () => {
    const sha = repo.commit({ 'README.md': 'tagged\n' }, 'release', 'release-base');
    execFileSync('git', ['tag', 'v9.9', sha], { cwd: repo.bare });
    const admin = { name: 'admin', role: 'admin' as const };
    const atTag = await h.hub.run(await h.hub.startRun('build', { repo: 'acme/widgets', ref: 'v9.9' }, admin));
    expect(atTag).toMatchObject({ ref: 'refs/tags/v9.9', sha });
    const atBranch = await h.hub.run(
      await h.hub.startRun('build', { repo: 'acme/widgets', ref: 'release-base' }, admin),
    );
    expect(atBranch).toMatchObject({ ref: 'refs/heads/release-base', sha });
    await expect(h.hub.startRun('build', { repo: 'acme/widgets', ref: 'no-such-ref' }, admin)).rejects.toMatchObject({
      code: expect.stringMatching(/^FLOE_/),
    });
  });

  it('sends annotations and failed tests as check-run annotations in batches of 50, and the summary and tests', async () => {
    const sha = await push('report/a', { 'README.md': 'reported\n' }, 'reported');
    const check = await eventually(() => fake.checksOf(sha).find((c) => c.conclusion !== undefined));
    expect(check.conclusion).toBe('failure');
    // 100 warnings kept of 120 and an error without a file (the runner's cap of 100), plus the failed test.
    await eventually(() => check.annotations.length >= 101);
    expect(check.annotations).toHaveLength(101);
    expect(check.annotations[0]).toMatchObject({
      path: 'src/f1.ts',
      start_line: 1,
      annotation_level: 'warning',
      message: 'lint 1',
    });
    expect(check.annotations.at(-1)).toMatchObject({
      path: 'src/add.test.ts',
      start_line: 7,
      annotation_level: 'failure',
      message: '1 + 1 is not 3',
    });
    const sizes = fake.requests
      .filter((r) => r.operationId === 'checks/create' || r.operationId === 'checks/update')
      .map((r) => ((r.body as { output?: { annotations?: unknown[] } }).output?.annotations ?? []).length);
    expect(Math.max(...sizes)).toBe(50);
    expect(check.output?.summary).toContain('### Tests of test');
    expect(check.output?.summary).toContain('2 tests: 1 passed, 1 failed, 0 errors, 0 skipped');
    expect(check.output?.summary).toContain('### Summary of test\n\n## Coverage\n\n93% of lines');
    const run = await h.hub.run(check.external_id as string);
    expect(run.reports?.filter((r) => r.report.type === 'annotation')).toHaveLength(100);
    const log = (await h.hub.store.readLog(run.id, 'test')).chunks.map((c) => c.text).join('');
    expect(log).toContain('21 more annotations not kept: at most 100 per task');
  });

  it('reports a run that timed out as timed_out', async () => {
    const sha = await push('late/x', { 'README.md': 'late\n' }, 'too slow');
    const check = await eventually(() => fake.checksOf(sha).find((c) => c.conclusion !== undefined));
    expect(check.name).toBe('late');
    expect(check.conclusion).toBe('timed_out');
    expect(check.output?.title).toContain('timed out');
  });
});

describe('FLOE.yaml', () => {
  it('gives an invalid FLOE.yaml one failing check run with annotations at the lines of its errors', async () => {
    const bad = [
      'flows:',
      '  - id: build',
      '    triggers:',
      '      - id: push',
      '        type: push',
      '    tasks:',
      '      - id: a',
      '        type: exec',
      '        lisen: trigger.good',
      '        opts:',
      '          cmd: "true"',
      '  - id: other',
      '    triggers:',
      '      - id: push',
      '        type: push',
      '    tasks:',
      '      - id: b',
      '        type: exec',
      '        listen: trigger.good',
      '        opts:',
      '          cmd: "true"',
      '          bogus: 1',
      '',
    ].join('\n');
    const sha = await push('bad/yaml', { 'FLOE.yaml': bad }, 'break FLOE.yaml');
    const check = await eventually(() => fake.checksOf(sha).find((c) => c.name === 'FLOE.yaml'));
    expect(check.conclusion).toBe('failure');
    expect(check.annotations.map((a) => [a.path, a.start_line, a.annotation_level])).toEqual([
      ['FLOE.yaml', 9, 'failure'],
      ['FLOE.yaml', 22, 'failure'],
    ]);
    expect(check.annotations[0]?.message).toContain('did you mean `listen`?');
    // Both flows have errors: nothing runs.
    expect(await runsAt(sha)).toEqual([]);
  });

  it('sends more than 50 annotations in batches of 50', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `        bogus${i}: 1`);
    const bad = [
      'id: many',
      'triggers:',
      '  - id: push',
      '    type: push',
      'tasks:',
      '  - id: a',
      '    type: exec',
      '    listen: trigger.good',
      '    opts:',
      ...keys,
      '',
    ].join('\n');
    const sha = await push('bad/many', { 'FLOE.yaml': bad }, 'sixty errors');
    const check = await eventually(() => fake.checksOf(sha).find((c) => c.name === 'FLOE.yaml'));
    await eventually(() => check.annotations.length >= 60);
    const sizes = fake.requests
      .filter((r) => r.operationId === 'checks/create' || r.operationId === 'checks/update')
      .map((r) => ((r.body as { output?: { annotations?: unknown[] } }).output?.annotations ?? []).length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(50);
    expect(check.annotations.length).toBe(60);
  });
});

describe('deliveries', () => {
  it('starts one run when GitHub delivers the same webhook twice', async () => {
    const sha = repo.commit({ 'README.md': 'twice\n' }, 'twice', 'feature/twice');
    const delivery = {
      id: 'same-delivery',
      event: 'push',
      payload: pushEvent(fake, repo, { ref: 'refs/heads/feature/twice', after: sha, message: 'twice' }),
    };
    expect((await h.deliver(delivery)).status).toBe(200);
    expect((await h.deliver(delivery)).status).toBe(200);
    await eventually(() => fake.checksOf(sha).find((c) => c.conclusion !== undefined));
    expect((await runsAt(sha)).length).toBe(1);
  });

  it('refuses a webhook with a bad signature and changes nothing', async () => {
    const sha = repo.commit({ 'README.md': 'forged\n' }, 'forged', 'feature/forged');
    const response = await h.deliver(
      {
        id: 'forged',
        event: 'push',
        payload: pushEvent(fake, repo, { ref: 'refs/heads/feature/forged', after: sha, message: 'forged' }),
      },
      { signWith: 'not-the-secret' },
    );
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await runsAt(sha)).toEqual([]);
    expect(fake.requests).toEqual([]);
    // The same delivery id, correctly signed, is then handled: the forged one did not claim it.
    expect(
      (
        await h.deliver({
          id: 'forged',
          event: 'push',
          payload: pushEvent(fake, repo, { ref: 'refs/heads/feature/forged', after: sha, message: 'forged' }),
        })
      ).status,
    ).toBe(200);
    await eventually(async () => (await runsAt(sha)).length === 1);
  });

  it('skips push runs when the commit message says [skip ci] or [floe skip]', async () => {
    const a = await push('feature/skip', { 'README.md': 'a\n' }, 'docs only [skip ci]');
    const b = await push('feature/skip', { 'README.md': 'b\n' }, 'typo [floe skip]');
    await h.hub.settled();
    expect(await runsAt(a)).toEqual([]);
    expect(await runsAt(b)).toEqual([]);
  });

  it('starts the flow again when the check run is re-requested', async () => {
    const sha = await push('feature/rerun', { 'README.md': 'rerun\n' }, 'rerun');
    const first = await eventually(() => fake.checksOf(sha).find((c) => c.conclusion !== undefined));
    const response = await h.deliver({
      id: `delivery-${++delivery}`,
      event: 'check_run',
      payload: checkRunRerequestedEvent(fake, repo, {
        id: first.id,
        externalId: first.external_id as string,
        headSha: sha,
        name: first.name,
      }),
    });
    expect(response.status).toBe(200);
    const second = await eventually(() =>
      fake.checksOf(sha).find((c) => c.id !== first.id && c.conclusion !== undefined),
    );
    expect(second.conclusion).toBe('success');
    const rerun = await h.hub.store.getRun(second.external_id as string);
    expect(rerun?.retryOf).toBe(first.external_id);
    expect(rerun?.sha).toBe(sha);
  });
});

describe('re-runs of a whole check suite', () => {
  it('starts every flow of the commit again', async () => {
    const sha = await push('feature/suite', { 'README.md': 'suite\n' }, 'suite');
    const first = await eventually(() => fake.checksOf(sha).find((c) => c.conclusion !== undefined));
    const response = await h.deliver({
      id: `delivery-${++delivery}`,
      event: 'check_suite',
      payload: checkSuiteRerequestedEvent(fake, repo, { headSha: sha }),
    });
    expect(response.status).toBe(200);
    const second = await eventually(() =>
      fake.checksOf(sha).find((c) => c.id !== first.id && c.conclusion !== undefined),
    );
    expect(second.name).toBe('build');
    expect((await h.hub.store.getRun(second.external_id as string))?.retryOf).toBe(first.external_id);
  });
});

describe('pull requests and /floe commands', () => {
  it('runs /floe run from a writer at the head commit, with a reaction and a reply that links the run', async () => {
    fake.permissions.set('wendy', 'write');
    const headSha = openPull(5, { 'README.md': 'pull five\n' }, false);
    await comment(5, '/floe run pr-check', 'wendy');
    const runs = await runsAt(headSha);
    expect(runs.map((r) => [r.flowId, r.ref, r.trigger.type, r.trigger.by])).toEqual([
      ['pr-check', 'refs/pull/5/head', 'comment', 'wendy'],
    ]);
    expect(fake.reactions).toEqual([{ commentId: 7005, content: 'rocket' }]);
    expect(fake.comments).toHaveLength(1);
    expect(fake.comments[0]?.body).toContain(`https://floe.example.test/runs/${runs[0]?.id}`);
    const check = await eventually(() => fake.checksOf(headSha).find((c) => c.conclusion !== undefined));
    expect(check.conclusion).toBe('success');
    const log = (await h.hub.store.readLog(runs[0]?.id as string, 'show')).chunks.map((c) => c.text).join('');
    expect(log).toContain('pull five');
  });

  it('refuses /floe run from a reader with a reply, and starts nothing', async () => {
    fake.permissions.set('rita', 'read');
    const headSha = openPull(7, { 'README.md': 'pull seven\n' }, false);
    await comment(7, '/floe run', 'rita');
    expect(fake.comments).toHaveLength(1);
    expect(fake.comments[0]?.body).toContain('needs write access');
    expect(fake.reactions).toEqual([]);
    expect(await runsAt(headSha)).toEqual([]);
  });

  it('answers an unknown command with help, and ignores comments that are not commands', async () => {
    await comment(7, 'looks good to me, /floe run later', 'rita');
    expect(fake.comments).toEqual([]);
    await comment(7, '/floe deploy', 'rita');
    expect(fake.comments).toHaveLength(1);
    expect(fake.comments[0]?.body).toContain('unknown command `/floe deploy`');
  });

  it('runs nothing for a pull request from a fork until a writer comments /floe run', async () => {
    fake.permissions.set('wendy', 'write');
    const headSha = openPull(6, { 'README.md': 'from a fork\n' }, true);
    const opened = await h.deliver({
      id: `delivery-${++delivery}`,
      event: 'pull_request',
      payload: pullRequestEvent(fake, repo, { action: 'opened', number: 6, headSha, fork: true }),
    });
    expect(opened.status).toBe(200);
    await h.hub.settled();
    expect(await runsAt(headSha)).toEqual([]);
    expect(fake.checksOf(headSha)).toEqual([]);

    await comment(6, '/floe run', 'wendy');
    const [run] = await runsAt(headSha);
    expect(run?.ref).toBe('refs/pull/6/head');
    // A fork's code is untrusted, even when a writer started it: no secrets (secrets/hub-secrets.ts forRun).
    expect(run?.trust).toBe('untrusted');
    const check = await eventually(() => fake.checksOf(headSha).find((c) => c.conclusion !== undefined));
    expect(check.conclusion).toBe('success');
    // The code is the fork's, fetched from the base repository at the pinned commit.
    const log = (await h.hub.store.readLog(run?.id as string, 'show')).chunks.map((c) => c.text).join('');
    expect(log).toContain('from a fork');
  });

  it('runs the pull-request flows of a pull request from the same repository', async () => {
    const headSha = openPull(8, { 'README.md': 'pull eight\n' }, false);
    const opened = await h.deliver({
      id: `delivery-${++delivery}`,
      event: 'pull_request',
      payload: pullRequestEvent(fake, repo, { action: 'opened', number: 8, headSha, fork: false }),
    });
    expect(opened.status).toBe(200);
    const check = await eventually(() => fake.checksOf(headSha).find((c) => c.conclusion !== undefined));
    expect(check.name).toBe('pr-check');
    expect(check.conclusion).toBe('success');
  });
});

describe('superseded and cancelled runs', () => {
  it('cancels the older run of a cancel-superseded flow when a newer commit arrives on the branch', async () => {
    const first = await push('slow/x', { 'README.md': 'one\n' }, 'one');
    const [old] = await runsAt(first);
    await eventually(async () => (await h.hub.store.getRun(old?.id as string))?.state === 'active');
    const second = await push('slow/x', { 'README.md': 'two\n' }, 'two');
    const cancelled = await eventually(() => fake.checksOf(first).find((c) => c.conclusion !== undefined));
    expect(cancelled.conclusion).toBe('cancelled');
    const [newer] = await runsAt(second);
    expect(newer?.state).not.toBe('archived');
    await h.hub.cancelRun(newer?.id as string, { name: 'test', role: 'admin' });
    const last = await eventually(() => fake.checksOf(second).find((c) => c.conclusion !== undefined));
    expect(last.conclusion).toBe('cancelled');
  });

  it('cancels with /floe cancel and runs again with /floe retry', async () => {
    fake.permissions.set('wendy', 'write');
    const headSha = openPull(9, { 'README.md': 'pull nine\n' }, false);
    await comment(9, '/floe run slow', 'wendy');
    const [run] = await runsAt(headSha);
    await eventually(async () => (await h.hub.store.getRun(run?.id as string))?.state === 'active');
    await comment(9, '/floe cancel', 'wendy');
    expect(fake.comments.at(-1)?.body).toContain(`Cancelling [run #${run?.number} of slow]`);
    const check = await eventually(() => fake.checksOf(headSha).find((c) => c.conclusion !== undefined));
    expect(check.conclusion).toBe('cancelled');

    await comment(9, `/floe retry ${run?.number}`, 'wendy');
    const runs = await runsAt(headSha);
    expect(runs).toHaveLength(2);
    expect(runs[0]?.retryOf).toBe(run?.id);
    expect(fake.comments.at(-1)?.body).toContain(`Retrying run #${run?.number} of slow: [run #${runs[0]?.number}]`);
    await comment(9, '/floe cancel', 'wendy');
    await eventually(() => fake.checksOf(headSha).filter((c) => c.conclusion === 'cancelled').length === 2);
    expect(fake.reactions.map((r) => r.content)).toEqual(['rocket', 'rocket', 'rocket', 'rocket']);
  });
});

describe('flows of the default branch', () => {
  it('reads the flows of a repository when the App is installed on it, and again on pushes to its default branch', async () => {
    const gadgets = fake.createRepo('acme/gadgets', { 'FLOE.yaml': FLOE_YAML });
    const payload = examplePayload('installation', 'created');
    const installed = await h.deliver({
      id: `delivery-${++delivery}`,
      event: 'installation',
      payload: {
        ...payload,
        installation: { ...(payload.installation as object), id: fake.installationId },
        repositories: [{ id: 9, node_id: 'R_9', name: 'gadgets', full_name: 'acme/gadgets', private: false }],
      },
    });
    expect(installed.status).toBe(200);
    const flowIds = async () =>
      (await h.hub.flows())
        .filter((f) => f.repo === 'acme/gadgets')
        .map((f) => f.id)
        .sort();
    expect(await flowIds()).toEqual(['broken', 'build', 'late', 'leaky', 'pr-check', 'reported', 'slow']);

    const fresh = `${FLOE_YAML.replace('flows:\n', 'flows:\n  - id: fresh\n    tasks:\n      - id: t\n        type: exec\n        listen: trigger.good\n        opts:\n          cmd: "true"\n')}`;
    const sha = gadgets.commit({ 'FLOE.yaml': fresh }, 'a new flow', 'main');
    const pushed = await h.deliver({
      id: `delivery-${++delivery}`,
      event: 'push',
      payload: pushEvent(fake, gadgets, { ref: 'refs/heads/main', after: sha, message: 'a new flow' }),
    });
    expect(pushed.status).toBe(200);
    expect(await flowIds()).toEqual(['broken', 'build', 'fresh', 'late', 'leaky', 'pr-check', 'reported', 'slow']);
    await eventually(() => fake.checksOf(sha).find((c) => c.name === 'build' && c.conclusion !== undefined));
  });
});

describe('the fake GitHub', () => {
  it('fails requests that GitHub’s OpenAPI description does not allow', async () => {
    const headers = { authorization: `token ${fake.tokens[0]}`, 'content-type': 'application/json' };
    const bogus = await fetch(`${fake.url}/repos/acme/widgets/check-runs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'x', head_sha: 'abc', status: 'bogus' }),
    });
    expect(bogus.status).toBe(422);
    const badQuery = await fetch(`${fake.url}/repos/acme/widgets/contents/FLOE.yaml?reff=main`, { headers });
    expect(badQuery.status).toBe(422);
    const unknown = await fetch(`${fake.url}/repos/acme/widgets/no/such/thing`, { headers });
    expect(unknown.status).toBe(404);
    expect(fake.failures).toEqual([
      expect.stringContaining('checks/create'),
      expect.stringContaining('unknown query parameter reff'),
      expect.stringContaining("no such operation in GitHub's API"),
    ]);
    // Expected here; afterEach checks there are none.
    fake.failures.length = 0;
  });
});
