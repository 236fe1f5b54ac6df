// The Runners page in Chromium against a real hub and real runners (docs/runners.md "Draining a runner", "Upgrading
// a fleet"): each runner's version and protocol, the one of the older release marked as needing an update, and an
// operator draining and undraining a runner with a button — which the runner hears, and which a viewer is not shown.
import { PROTOCOL_VERSION } from '@floe/shared';
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
  waitFor,
} from '../support/index.js';

const FLOWS = `
id: quick
tasks:
  - {id: hi, type: exec, listen: trigger.good, opts: {shell: 'echo hi'}}
`;

let hub: HubProcess;
let current: RunnerProcess;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const repo = makeTempDir('floe-web-runners-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
  hub = await startHub({ repos: [repo], leaseMs: 30_000, heartbeatMs: 300 });
  current = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'vm-new' });
  const old = startRunner({
    hub: hub.url,
    token: await hub.runnerToken(),
    name: 'vm-old',
    env: { FLOE_RUNNER_MAX_PROTOCOL: String(PROTOCOL_VERSION - 1) },
  });
  await Promise.all([current, old].map((runner) => runner.waitForOutput('connected to the hub')));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await killSpawned();
  removeTempDirs();
});

/** A fresh browser context (nothing remembered) signed in with a new token of `role`, on the Runners page. */
async function signInAs(role: 'operator' | 'viewer') {
  await page?.close();
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('pageerror', (error) => console.error('page error:', error));
  const { token } = await hub.json<{ token: string }>('/api/tokens', { body: { name: `${role}-web`, role } });
  await page.goto(hub.url);
  await page.locator('floe-sign-in input[name=token]').fill(token);
  await page.locator('floe-sign-in button[type=submit]').click();
  await page.locator('floe-app [data-testid=me]').waitFor();
  await page.locator('floe-app nav a', { hasText: 'Runners' }).click();
}

const row = (name: string) => page.locator(`floe-runners-page tr[data-runner=${name}]`);

describe('the Runners page', { timeout: 60_000 }, () => {
  it('shows versions and protocols, and marks the runner of the older release as needing an update', async () => {
    await signInAs('operator');
    const version = row('vm-new').locator('[data-testid=version]');
    await expect
      .poll(() => version.textContent())
      .toMatch(new RegExp(`\\d+\\.\\d+\\.\\d+\\s+\\(protocol ${PROTOCOL_VERSION}\\)`));
    expect(await row('vm-new').locator('[data-testid=update]').count()).toBe(0);
    const old = row('vm-old').locator('[data-testid=update]');
    expect(await old.textContent()).toBe('needs an update');
    expect(await old.getAttribute('title')).toContain(
      `speaks runner protocol ${PROTOCOL_VERSION - 1}, the hub ${PROTOCOL_VERSION}`,
    );
    // Operators may drain; only admins remove.
    expect(await row('vm-new').locator('button', { hasText: 'Remove' }).count()).toBe(0);
  });

  it('drains a runner with its button: the runner hears it and is offered nothing; undrain takes it back', async () => {
    await row('vm-new').locator('button', { hasText: 'Drain' }).click();
    await row('vm-new').locator('[data-testid=drained]').waitFor();
    await current.waitForOutput('drained by the hub: taking no new runs');
    expect(await row('vm-new').locator('button').first().textContent()).toBe('Undrain');
    const drained = await hub.json<{ name: string; drained: boolean }[]>('/api/runners');
    expect(drained.find((runner) => runner.name === 'vm-new')?.drained).toBe(true);
    // Only the other runner takes runs now.
    for (let i = 0; i < 3; i += 1) {
      const { runId } = await hub.json<{ runId: string }>('/api/flows/quick/runs', { body: {} });
      const ended = await waitFor(async () => {
        const run = await hub.json<{ state: string; runner?: string }>(`/api/runs/${runId}`);
        return run.state === 'archived' && run;
      });
      expect(ended.runner).toBe('vm-old');
    }

    await row('vm-new').locator('button', { hasText: 'Undrain' }).click();
    await expect.poll(() => row('vm-new').locator('[data-testid=drained]').count()).toBe(0);
    await current.waitForOutput('undrained by the hub: taking runs again');
  });

  it('shows a viewer no drain button', async () => {
    await signInAs('viewer');
    await row('vm-new').waitFor();
    expect(await row('vm-new').locator('button').count()).toBe(0);
  });
});
