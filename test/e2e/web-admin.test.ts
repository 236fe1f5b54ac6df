// The dashboard's admin pages in Chromium against a real hub and runner (docs/security.md "Revocation, expiry and
// audit"): remove a runner from the Runners page (its daemon exits, refused), make and remove a token, rotate the
// admin token while signed in with it (the dashboard carries on with the new one), read the audit log — and none of
// it shown to a viewer.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../browser/launch-chromium.js';
import {
  type HubProcess,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  type RunnerProcess,
  removeTempDirs,
  startHub,
  startRunner,
} from '../support/index.js';

const FLOWS = `
id: slow
tasks:
  - {id: wait, type: exec, listen: trigger.good, opts: {shell: 'echo sleeping; sleep 120'}}
`;

let hub: HubProcess;
let runner: RunnerProcess;
let browser: Browser;
let page: Page;
/** The admin token, once rotated by the dashboard. */
let adminToken: string;

beforeAll(async () => {
  const repo = makeTempDir('floe-web-admin-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
  hub = await startHub({ repos: [repo], leaseMs: 30_000, heartbeatMs: 300 });
  runner = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'vm-old' });
  await runner.waitForOutput('connected to the hub');
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('pageerror', (error) => console.error('page error:', error));
  // Every confirm() of these pages is accepted.
  page.on('dialog', (dialog) => void dialog.accept());
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await killSpawned();
  removeTempDirs();
});

async function signIn(target: Page, token: string) {
  await target.goto(hub.url);
  await target.locator('floe-sign-in input[name=token]').fill(token);
  await target.locator('floe-sign-in button[type=submit]').click();
  await target.locator('floe-app [data-testid=me]').waitFor();
}

describe('the admin pages', { timeout: 60_000 }, () => {
  it('removes a runner that is running a run: the run ends lost and the daemon exits, refused', async () => {
    await signIn(page, hub.adminToken);
    const { runId } = await hub.json<{ runId: string }>('/api/flows/slow/runs', { body: {} });
    await page.locator('floe-app nav a', { hasText: 'Runners' }).click();
    const row = page.locator('floe-runners-page tr[data-runner=vm-old]');
    await expect.poll(() => row.locator(`a[href="/runs/${runId}"]`).count(), { timeout: 15_000 }).toBe(1);
    await row.locator('button', { hasText: 'Remove' }).click();
    await expect.poll(() => row.count()).toBe(0);
    expect(await runner.exited).toBe(78);
    expect(await hub.json(`/api/runs/${runId}`)).toMatchObject({
      state: 'archived',
      reasonCode: 'lost',
      reason: 'runner vm-old removed by admin',
    });
  });

  it('makes a token shown once, lists it without its secret, and removes it', async () => {
    await page.locator('floe-app nav a', { hasText: 'Tokens' }).click();
    const form = page.locator('floe-tokens-page form[aria-label="Make a token"]');
    await form.locator('input[name=name]').fill('ci-bot');
    await form.locator('select[name=role]').selectOption('operator');
    await form.locator('input[name=days]').fill('30');
    await form.locator('button[type=submit]').click();
    const secret = (await page.locator('floe-tokens-page [data-testid=secret]').textContent()) ?? '';
    expect(secret).toMatch(/^floe_/);
    expect((await hub.json<{ name: string }>('/api/me', { token: secret })).name).toBe('ci-bot');
    const row = page.locator('floe-tokens-page tr[data-token=ci-bot]');
    await expect.poll(() => row.textContent()).toContain('operator');
    expect(await row.textContent()).not.toContain(secret);
    expect(await row.locator('td').nth(3).textContent()).not.toContain('never');
    await row.locator('button', { hasText: 'Remove' }).click();
    await expect.poll(() => row.count()).toBe(0);
    expect((await hub.request('/api/me', { token: secret })).status).toBe(401);
  });

  it('rotates the admin token and carries on signed in with the new one', async () => {
    const form = page.locator('floe-tokens-page form[aria-label="Rotate the admin token"]');
    await form.locator('input[name=grace]').fill('0');
    await form.locator('button[type=submit]').click();
    await expect
      .poll(() =>
        page.evaluate(() =>
          (globalThis as unknown as { localStorage: { getItem(key: string): string | null } }).localStorage.getItem(
            'floe.token',
          ),
        ),
      )
      .not.toBe(hub.adminToken);
    const rotated = (await page.evaluate(() =>
      (globalThis as unknown as { localStorage: { getItem(key: string): string | null } }).localStorage.getItem(
        'floe.token',
      ),
    )) as string;
    expect(rotated).toMatch(/^floe_/);
    expect((await hub.request('/api/me')).status).toBe(401);
    expect((await hub.request('/api/me', { token: rotated })).status).toBe(200);
    await page.locator('floe-app [data-testid=me]').waitFor();
    await page.locator('floe-app nav a', { hasText: 'Tokens' }).click();
    await expect.poll(() => page.locator('floe-tokens-page tr[data-token=admin]').count()).toBe(1);
    adminToken = rotated;
  });

  it('shows the audit log, newest first, with who did what to what', async () => {
    await page.locator('floe-app nav a', { hasText: 'Audit' }).click();
    const rows = page.locator('floe-audit-page tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(4);
    const actions = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')));
    expect(actions.slice(0, 4)).toEqual(['token.rotate-admin', 'token.delete', 'token.create', 'runner.delete']);
    expect(await rows.nth(3).textContent()).toContain('vm-old');
  });

  it('shows none of it to a viewer', async () => {
    const { token } = await hub.json<{ token: string }>('/api/tokens', {
      body: { name: 'watcher', role: 'viewer' },
      token: adminToken,
    });
    const viewer = await browser.newPage();
    await signIn(viewer, token);
    const nav = await viewer.locator('floe-app nav[aria-label=Main]').textContent();
    expect(nav).toContain('Runners');
    expect(nav).not.toContain('Tokens');
    expect(nav).not.toContain('Audit');
    await viewer.goto(`${hub.url}/audit`);
    await expect
      .poll(() => viewer.locator('floe-audit-page floe-error-box .box').textContent())
      .toContain('FLOE_FORBIDDEN');
    await viewer.close();
  });
});
