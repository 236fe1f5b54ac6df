// The dashboard in Chromium against a real hub and runner (issue 5): sign in, start a run from a form, watch its
// graph and live log to the end, approve a data task, cancel a long run, see why a run is pending, see the runners.
// Saves the screenshots the README shows (docs/screenshots/).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunDetail, RunnerView } from '@floe/shared';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../browser/launch-chromium.js';
import { watchCspViolations } from '../browser/watch-csp-violations.js';
import {
  type HubProcess,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  removeTempDirs,
  startHub,
  startRunner,
  WORKSPACE_ROOT,
  waitFor,
} from '../support/index.js';

const FLOWS = `
flows:
  - id: ship
    name: ship
    triggers:
      - id: start
        type: data
        opts:
          form:
            title: Ship a version
            fields:
              - {id: version, prompt: Version}
              - {id: count, prompt: Steps, type: number, value: 3}
    tasks:
      - id: build
        type: exec
        listen: trigger.good
        opts:
          shell: 'for i in $(seq 1 $FLOE_DATA_COUNT); do printf "\\033[32mstep %s\\033[0m of %s\\n" $i $FLOE_DATA_VERSION; sleep 1; done'
      - id: approve
        type: data
        listen: task.build.good
        opts:
          form:
            fields:
              - {id: target, prompt: Target, type: select, options: [staging, prod]}
      - {id: report, type: exec, listen: task.build.bad, opts: {shell: 'echo build failed'}}
      - {id: done, type: end, listen: task.approve.good}
  - id: slow
    name: slow
    tasks:
      - {id: wait, type: exec, listen: trigger.good, opts: {shell: 'echo sleeping; sleep 120'}}
  - id: flaky
    name: flaky
    tasks:
      - {id: prep, type: exec, listen: trigger.good, opts: {shell: 'echo prepared'}}
      - {id: check, type: exec, listen: task.prep.good, opts: {shell: 'echo failing; exit 3'}}
      - {id: done, type: end, listen: task.check.good}
  - id: keep
    name: keep
    tasks:
      - id: make
        type: exec
        listen: trigger.good
        opts: {shell: 'mkdir -p out && echo built-by-keep > out/result.txt'}
        artifacts: [{name: result, paths: [out/result.txt]}]
  - id: gpu
    name: gpu
    host-tags: [gpu]
    tasks:
      - {id: train, type: exec, listen: trigger.good, opts: {shell: 'echo training'}}
`;

const SHOTS = join(WORKSPACE_ROOT, 'docs/screenshots');
/** Screenshots go to docs/screenshots only when asked (`FLOE_SCREENSHOTS=1`), so test runs leave the tree clean. */
const SAVE_SHOTS = process.env.FLOE_SCREENSHOTS === '1';

async function screenshot(target: Page, name: string, fullPage = false): Promise<void> {
  const image = await target.screenshot({ fullPage, ...(SAVE_SHOTS ? { path: join(SHOTS, name) } : {}) });
  expect(image.length).toBeGreaterThan(1000);
}

let hub: HubProcess;
let repo: string;
let browser: Browser;
let page: Page;
/** What the browser refused under the hub's Content-Security-Policy, over every test of the file. */
const cspViolations: string[] = [];

beforeAll(async () => {
  repo = makeTempDir('floe-web-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
  hub = await startHub({
    repos: [`acme-shop=${repo}`],
    leaseMs: 3_000,
    heartbeatMs: 300,
    env: { FLOE_SECRET_KEY: 'web-e2e-key-0123456789' },
  });
  const runner = startRunner({
    hub: hub.url,
    token: await hub.runnerToken(),
    name: 'vm-linux',
    tags: ['linux'],
    slots: 2,
  });
  await runner.waitForOutput('connected to the hub');
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('pageerror', (error) => console.error('page error:', error));
  // Everything below runs under the hub's Content-Security-Policy; the last test checks the browser refused nothing.
  await watchCspViolations(page, cspViolations);
  if (SAVE_SHOTS) mkdirSync(SHOTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await killSpawned();
  removeTempDirs();
});

const run = (runId: string) => hub.json<RunDetail>(`/api/runs/${runId}`);
const runIdOfUrl = () => decodeURIComponent(new URL(page.url()).pathname.split('/')[2] ?? '');

describe('the dashboard', { timeout: 60_000 }, () => {
  it('signs in with a token, says who and which role, and stays signed in', async () => {
    await page.goto(hub.url);
    await page.locator('floe-sign-in input[name=token]').fill('floe_not-a-token');
    await page.locator('floe-sign-in button[type=submit]').click();
    await expect
      .poll(() => page.locator('floe-sign-in floe-error-box .box').textContent())
      .toContain('FLOE_UNAUTHENTICATED');

    await page.locator('floe-sign-in input[name=token]').fill(hub.adminToken);
    await page.locator('floe-sign-in button[type=submit]').click();
    await page.locator('floe-app [data-testid=me]').waitFor();
    expect((await page.locator('floe-app [data-testid=me]').textContent())?.replace(/\s+/g, ' ').trim()).toBe(
      'admin admin',
    );
    await page.reload();
    await page.locator('floe-app [data-testid=me]').waitFor();
  });

  it('starts a run from a data trigger form, checking the fields before sending', async () => {
    await page.locator('floe-app nav a', { hasText: 'Flows' }).click();
    const card = page.locator('floe-flow-card article[data-flow=ship]');
    await card.locator('button', { hasText: 'Start: start' }).click();
    await card.locator('floe-form button[type=submit]').click();
    await expect.poll(() => card.locator('floe-form .problem').textContent()).toBe('Required.');
    expect(page.url()).toContain('/flows');

    await card.locator('floe-form input[name=version]').fill('1.2.3');
    expect(await card.locator('floe-form .problem').count()).toBe(0);
    await card.locator('floe-form input[name=count]').fill('4');
    await card.locator('floe-form button[type=submit]').click();
    await page.waitForURL(/\/runs\/[^/]+$/);
    expect((await run(runIdOfUrl())).data).toEqual({ version: '1.2.3', count: '4' });
  });

  it('shows the graph and the live log to the end, then approves the data task', async () => {
    const runId = runIdOfUrl();
    const graphNode = (id: string) => page.locator(`floe-run-graph g[data-node=${id}]`);
    // Follow the build's log while it is written: every step once, in order, in colour.
    await page.goto(`${hub.url}/runs/${runId}?node=build`);
    await expect.poll(() => graphNode('build').getAttribute('data-state'), { timeout: 20_000 }).toBe('running');
    expect(await page.locator('floe-run-graph path.edge').count()).toBe(4);
    const lines = page.locator('floe-log-view .line');
    const text = async () => (await lines.allTextContents()).map((line) => line.replace(/^\d+/, ''));
    // While the task still runs, the first steps are there and the view says it is live.
    await expect.poll(text, { timeout: 20_000 }).toContain('step 1 of 1.2.3');
    expect(await page.locator('floe-log-view .status').textContent()).toContain('live');
    await expect.poll(text, { timeout: 20_000 }).toContain('exited 0');
    const all = await text();
    expect(all.filter((line) => line.startsWith('step'))).toEqual([
      'step 1 of 1.2.3',
      'step 2 of 1.2.3',
      'step 3 of 1.2.3',
      'step 4 of 1.2.3',
    ]);
    expect(all[0]).toMatch(/^\$ for i in/);
    expect(await page.locator('floe-log-view .line span.f2').first().textContent()).toBe('step 1');
    await expect
      .poll(() => page.locator('floe-log-view .status').textContent(), { timeout: 10_000 })
      .toContain('complete');
    await expect.poll(() => graphNode('build').getAttribute('data-state')).toBe('good');
    await expect
      .poll(() => graphNode('approve').getAttribute('data-state'), { timeout: 10_000 })
      .toBe('awaiting-input');
    await screenshot(page, 'run.png', true);

    await graphNode('approve').click();
    const form = page.locator('floe-run-page [data-testid=data-form] floe-form');
    await form.locator('select[name=target]').selectOption('prod');
    await form.locator('button[type=submit]').click();
    await expect
      .poll(() => page.locator('floe-run-page [data-testid=run-status]').textContent(), { timeout: 15_000 })
      .toBe('good');
    const answered = await page.locator('floe-run-page [data-testid=answered]').textContent();
    expect(answered?.replace(/\s+/g, ' ')).toMatch(/Answered by admin at .*target=prod/);
    const approve = (await run(runId)).nodes.find((node) => node.id === 'approve');
    expect(approve).toMatchObject({ state: 'good', by: 'admin', values: { target: 'prod' } });
  });

  it('rejects a data task: the node goes bad, the run ends bad, and it says who answered', async () => {
    const { runId } = await hub.json<{ runId: string }>('/api/flows/ship/runs', {
      body: { data: { version: '9.9.9', count: 1 } },
    });
    await page.goto(`${hub.url}/runs/${runId}`);
    const form = page.locator('floe-run-page [data-testid=data-form] floe-form');
    await form.locator('select[name=target]').waitFor({ timeout: 20_000 });
    await screenshot(page, 'approve.png', true);
    await form.locator('button', { hasText: 'Reject' }).click();
    const status = page.locator('floe-run-page [data-testid=run-status]');
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toBe('bad');
    expect(await page.locator('floe-run-graph g[data-node=approve]').getAttribute('data-state')).toBe('bad');
    const answered = await page.locator('floe-run-page [data-testid=answered]').textContent();
    expect(answered?.replace(/\s+/g, ' ')).toMatch(/Answered by admin at .*\(rejected\)/);
  });

  it('cancels a long run and shows its state change', async () => {
    const { runId } = await hub.json<{ runId: string }>('/api/flows/slow/runs', { body: {} });
    await page.goto(`${hub.url}/runs/${runId}`);
    const status = page.locator('floe-run-page [data-testid=run-status]');
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toBe('active');
    await expect
      .poll(() => page.locator('floe-log-view .line').first().textContent(), { timeout: 15_000 })
      .toContain('sleeping');
    await page.locator('floe-run-page button', { hasText: 'Cancel' }).click();
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toBe('cancelled');
    expect(await page.locator('floe-run-graph g[data-node=wait]').getAttribute('data-state')).toBe('cancelled');
    expect((await run(runId)).result).toBe('cancelled');

    // The runs list filtered by result, as a person picks it in the filter form.
    await page.locator('floe-app nav a', { hasText: 'Runs' }).click();
    const filters = page.locator('floe-runs-page form[role=search]');
    await filters.locator('input[name=flow]').fill('slow');
    await filters.locator('select[name=result]').selectOption('cancelled');
    await filters.locator('button[type=submit]').click();
    await expect.poll(() => page.url()).toContain('result=cancelled');
    const rows = page.locator('floe-run-list tr[data-run]');
    await expect.poll(() => page.locator(`floe-run-list tr[data-run="${runId}"]`).count(), { timeout: 15_000 }).toBe(1);
    for (const text of await rows.allTextContents()) expect(text).toContain('cancelled');
    await filters.locator('select[name=result]').selectOption('good');
    await filters.locator('button[type=submit]').click();
    await expect.poll(() => page.locator(`floe-run-list tr[data-run="${runId}"]`).count(), { timeout: 15_000 }).toBe(0);
  });

  it('retries a failed run whole, and from its failed node with the nodes before it replayed', async () => {
    const { runId } = await hub.json<{ runId: string }>('/api/flows/flaky/runs', { body: {} });
    await page.goto(`${hub.url}/runs/${runId}`);
    const status = page.locator('floe-run-page [data-testid=run-status]');
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe('bad');
    expect(await page.locator('floe-run-graph g[data-node=check]').getAttribute('data-state')).toBe('bad');
    expect(await page.locator('floe-run-page [data-testid=run-reason]').textContent()).toBeTruthy();

    await page.locator('floe-run-page button', { hasText: /^\s*Retry\s*$/ }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/runs/') && !url.pathname.endsWith(runId));
    const whole = await run(runIdOfUrl());
    expect(whole.retryOf).toBe(runId);
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe('bad');

    await page.goto(`${hub.url}/runs/${runId}`);
    await page.locator('floe-run-page button', { hasText: 'Retry from check' }).click();
    await page.waitForURL((url) => !url.pathname.endsWith(runId) && !url.pathname.endsWith(whole.id));
    await expect.poll(() => status.textContent(), { timeout: 20_000 }).toBe('bad');
    const fromCheck = await run(runIdOfUrl());
    expect(fromCheck.retryOf).toBe(runId);
    expect(fromCheck.nodes.find((node) => node.id === 'prep')?.replayed).toBe(true);
    expect(await page.locator('floe-run-graph g[data-node=prep]').getAttribute('data-state')).toBe('good');
  });

  it('shows why a pending run waits, in the list and on its page', async () => {
    // The list is open before the run exists: the run arrives through the live API.
    await page.locator('floe-app nav a', { hasText: 'Runs' }).click();
    await page.locator('floe-runs-page nav a', { hasText: 'Pending' }).click();
    await page.locator('floe-runs-page floe-run-list').waitFor();
    const { runId } = await hub.json<{ runId: string }>('/api/flows/gpu/runs', { body: {} });
    const reason = await waitFor(async () => (await run(runId)).pendingReason, { what: 'a pending reason' });
    const row = page.locator(`floe-run-list tr[data-run="${runId}"]`);
    await expect.poll(() => row.locator('.why').textContent()).toBe(reason);
    expect(reason).toContain('gpu');
    await page.locator('floe-runs-page nav a', { hasText: 'All' }).click();
    await row.waitFor();
    await screenshot(page, 'runs.png');
    await row.locator('a').first().click();
    await expect.poll(() => page.locator('floe-run-page [data-testid=pending-reason]').textContent()).toContain(reason);
  });

  it("opens a flow's page from its link, with its triggers and recent runs", async () => {
    await page.locator('floe-app nav a', { hasText: 'Flows' }).click();
    const ship = page.locator('floe-flow-card article[data-flow=ship]');
    await ship.locator('button', { hasText: 'Start: start' }).click();
    await ship.locator('floe-form input[name=version]').fill('2.0.0');
    await screenshot(page, 'flows.png');
    await page.locator('floe-flow-card article[data-flow=flaky] h2 a').click();
    await page.waitForURL(/\/flows\/[^/]+\/flaky$/);
    const rows = page.locator('floe-flow-page floe-run-list tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await page.locator('floe-flow-page floe-flow-card button', { hasText: 'Start run' }).count()).toBe(1);
  });

  it('lists the runners with their tags, slots and connection', async () => {
    await page.locator('floe-app nav a', { hasText: 'Runners' }).click();
    const row = page.locator('floe-runners-page tr[data-runner=vm-linux]');
    await expect.poll(() => row.locator('[data-testid=connected]').textContent()).toContain('connected');
    const text = (await row.textContent())?.replace(/\s+/g, ' ');
    expect(text).toContain('linux');
    expect(text).toMatch(/\d\/2/);
    const api = await hub.json<RunnerView[]>('/api/runners');
    expect(api.find((runner) => runner.name === 'vm-linux')?.connected).toBe(true);
    // A runner started as root on a machine with bubblewrap and the task user sandboxes its tasks, and says so.
    expect(api.find((runner) => runner.name === 'vm-linux')?.sandboxed).toBe(true);
    expect(await row.locator('[data-testid=sandbox]').textContent()).toContain('sandboxed');

    // What it runs, live.
    const { runId } = await hub.json<{ runId: string }>('/api/flows/slow/runs', { body: {} });
    await expect.poll(() => row.locator(`a[href="/runs/${runId}"]`).count(), { timeout: 15_000 }).toBe(1);
    expect(await row.textContent()).toMatch(/1\/2/);
    await screenshot(page, 'runners.png');
    await hub.json(`/api/runs/${runId}/cancel`, { body: {} });
    await expect.poll(() => row.locator(`a[href="/runs/${runId}"]`).count(), { timeout: 15_000 }).toBe(0);
  });

  it('sets and removes a secret on the Secrets page, never showing its value', async () => {
    await page.locator('floe-app nav a', { hasText: 'Secrets' }).click();
    const form = page.locator('floe-secrets form');
    await form.locator('input[name=name]').fill('DEPLOY_KEY');
    await form.locator('input[name=repo]').fill('acme-shop');
    await form.locator('input[name=value]').fill('dashboard-secret-value');
    await form.locator('button[type=submit]').click();
    const row = page.locator('floe-secrets tr[data-secret=DEPLOY_KEY]');
    await expect.poll(() => row.textContent()).toContain('acme-shop');
    expect(await page.locator('floe-secrets').evaluate((el) => el.shadowRoot?.innerHTML ?? '')).not.toContain(
      'dashboard-secret-value',
    );
    expect((await hub.json<{ secrets: { name: string }[] }>('/api/secrets')).secrets).toEqual([
      expect.objectContaining({ name: 'DEPLOY_KEY', repo: 'acme-shop' }),
    ]);
    page.once('dialog', (dialog) => dialog.accept());
    await row.locator('button', { hasText: 'Remove' }).click();
    await expect.poll(() => row.count()).toBe(0);
  });

  it('hides the verbs from a viewer, who still sees everything', async () => {
    const { token } = await hub.json<{ token: string }>('/api/tokens', { body: { name: 'watcher', role: 'viewer' } });
    const viewer = await browser.newPage({ viewport: { width: 1280, height: 860 }, colorScheme: 'dark' });
    await viewer.goto(hub.url);
    await viewer.locator('floe-sign-in input[name=token]').fill(token);
    await viewer.locator('floe-sign-in button[type=submit]').click();
    await viewer.locator('floe-app [data-testid=me]').waitFor();
    expect((await viewer.locator('floe-app [data-testid=me]').textContent())?.replace(/\s+/g, ' ').trim()).toBe(
      'watcher viewer',
    );
    const { runs } = await hub.json<{ runs: Array<{ id: string; flowId: string }> }>('/api/runs?flow=ship');
    await viewer.goto(`${hub.url}/runs/${runs[0]?.id}?node=build`);
    await viewer.locator('floe-log-view .line').first().waitFor();
    expect(await viewer.locator('floe-run-page button', { hasText: 'Retry' }).count()).toBe(0);
    // Dark scheme: the page's background follows prefers-color-scheme.
    const background = await viewer.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    expect(background).toBe('rgb(18, 21, 28)');
    await screenshot(viewer, 'run-dark.png', true);
    await viewer.close();
  });

  it('works from the keyboard: skip link, links, graph nodes; pages are titled', async () => {
    await page.goto(`${hub.url}/runs`);
    await page.locator('floe-run-list tbody tr').first().waitFor();
    expect(await page.title()).toBe('Runs · floe');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    const focused = () =>
      page.evaluate<string>(`(() => {
        let el = document.activeElement;
        while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
        return el ? el.tagName.toLowerCase() : '';
      })()`);
    expect(await focused()).toBe('main');

    await page.locator('floe-run-list tbody tr a', { hasText: '#1' }).last().focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/runs\/[^/?]+$/);
    await page.locator('floe-run-graph g[data-node=approve]').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\?node=approve$/);
    await expect.poll(() => page.title()).toMatch(/^ship #1 good · floe$/);
  });

  it('fits a phone-width screen', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.locator('floe-app nav a', { hasText: 'Runs' }).click();
    await page.locator('floe-run-list tbody tr').first().waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'runs-phone.png');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it("marks an untrusted run (a pull request's code) in the list and on its page, and a trusted one not", async () => {
    // A pull request's head, as GitHub keeps one: a commit only refs/pull/3/head holds.
    const head = makeGitRepo(repo, { 'README.md': 'from a fork\n' }, 'pull 3');
    execFileSync('git', ['update-ref', 'refs/pull/3/head', head], { cwd: repo });
    execFileSync('git', ['reset', '-q', '--hard', 'HEAD~1'], { cwd: repo });
    const untrusted = (
      await hub.json<{ runId: string }>('/api/flows/flaky/runs', { body: { ref: 'refs/pull/3/head' } })
    ).runId;
    const trusted = (await hub.json<{ runId: string }>('/api/flows/flaky/runs', { body: {} })).runId;
    await page.goto(`${hub.url}/runs`);
    const badge = page.locator(`floe-run-list tr[data-run="${untrusted}"] [data-testid=run-trust]`);
    await expect.poll(() => badge.textContent()).toBe('untrusted');
    expect(await badge.getAttribute('title')).toContain('no secrets');
    expect(await page.locator(`floe-run-list tr[data-run="${trusted}"] [data-testid=run-trust]`).count()).toBe(0);
    await page.goto(`${hub.url}/runs/${untrusted}`);
    await expect.poll(() => page.locator('floe-run-page [data-testid=run-trust]').textContent()).toBe('untrusted');
    expect(await page.locator('floe-run-page [data-testid=run-trust-detail]').textContent()).toContain(
      'untrusted: code from another repository',
    );
    await page.goto(`${hub.url}/runs/${trusted}`);
    await expect.poll(() => page.locator('floe-run-page [data-testid=run-trust-detail]').textContent()).toBe('trusted');
    expect(await page.locator('floe-run-page [data-testid=run-trust]').count()).toBe(0);
  });

  it("lists a run's artifacts on its page and downloads one with the person's token", async () => {
    const { runId } = await hub.json<{ runId: string }>('/api/flows/keep/runs', { method: 'POST', body: {} });
    await page.goto(`${hub.url}/runs/${runId}`);
    const row = page.locator('floe-run-artifacts [data-testid=artifact]');
    await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(1);
    const text = (await row.textContent())?.replace(/\s+/g, ' ');
    expect(text).toContain('result');
    expect(text).toContain('out/result.txt · 14 bytes');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.locator('[data-testid=download]').click(),
    ]);
    expect(download.suggestedFilename()).toBe('result.txt');
    const saved = await download.path();
    expect(readFileSync(saved, 'utf8')).toBe('built-by-keep\n');
  });

  it('worked under the Content-Security-Policy throughout: the browser refused nothing', () => {
    expect(cspViolations).toEqual([]);
  });
});
