// A node's log in the dashboard across a restart of the hub (issue 5: "resuming after a reconnect without gaps or
// repeats"): the page stays open, its live connection drops and comes back, and the log ends with every line once.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../browser/launch-chromium.js';
import {
  type HubProcess,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  removeTempDirs,
  startHub,
  startRunner,
} from '../support/index.js';

const LINES = 60;
const FLOW = `
id: count
tasks:
  - {id: count, type: exec, listen: trigger.good, opts: {shell: 'for i in $(seq 1 ${LINES}); do echo "line $i"; sleep 0.1; done'}}
  - {id: done, type: end, listen: task.count.good}
`;

let hub: HubProcess;
let repo: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  repo = makeTempDir('floe-resume-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': FLOW });
  hub = await startHub({ repos: [repo], leaseMs: 8_000, heartbeatMs: 300 });
  const runner = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'vm-resume' });
  await runner.waitForOutput('connected to the hub');
  browser = await launchChromium();
  page = await browser.newPage();
  await page.addInitScript(`localStorage.setItem('floe.token', ${JSON.stringify(hub.adminToken)})`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await killSpawned();
  removeTempDirs();
});

describe('the live log across a hub restart', { timeout: 90_000 }, () => {
  it('shows every line once, in order, after the connection comes back', async () => {
    const { runId } = await hub.json<{ runId: string }>('/api/flows/count/runs', { body: {} });
    await page.goto(`${hub.url}/runs/${runId}?node=count`);
    const lines = () =>
      page
        .locator('floe-log-view')
        .evaluate((view) => (view as unknown as { buffer: { lines: string[] } }).buffer.lines);
    await expect.poll(async () => (await lines()).length, { timeout: 20_000 }).toBeGreaterThan(5);

    await hub.stop();
    const liveStatus = page.locator('floe-app .sr-only');
    await expect.poll(() => liveStatus.textContent(), { timeout: 10_000 }).toContain('reconnecting');
    const seenWhileDown = (await lines()).length;
    hub = await startHub({ repos: [repo], dataDir: hub.dataDir, port: hub.port, leaseMs: 8_000, heartbeatMs: 300 });
    await expect.poll(() => liveStatus.textContent(), { timeout: 20_000 }).toContain('open');

    await expect
      .poll(() => page.locator('floe-log-view .status').textContent(), { timeout: 40_000 })
      .toContain('complete');
    const all = await lines();
    expect(seenWhileDown).toBeLessThan(LINES);
    expect(all.filter((line) => line.startsWith('line '))).toEqual(
      Array.from({ length: LINES }, (_, i) => `line ${i + 1}`),
    );
    expect(all.at(-1)).toBe('exited 0');
  });
});
