// The runs page with 10,000 archived runs in the store (issue 5 budget: first paint ≤ 1 s, printed as a figure,
// not asserted), and its pagination and filters over that many runs.
import type { ResolvedFlow } from '@floe/shared';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRunId } from '../../github-app/src/store/new-run-id.js';
import { openSqliteStore, sqliteFile } from '../../github-app/src/store/sqlite/sqlite-store.js';
import { launchChromium } from '../browser/launch-chromium.js';
import { type HubProcess, killSpawned, makeTempDir, removeTempDirs, startHub } from '../support/index.js';

const RUNS = 10_000;
const FLOW = {
  id: 'bulk',
  ver: 1,
  name: 'bulk',
  'reuse-space': false,
  'host-tags': [],
  'resource-tags': [],
  triggers: [],
  tasks: [],
  timeout: '6h',
  'cancel-superseded': false,
  'requeue-lost': false,
} as unknown as ResolvedFlow;

let hub: HubProcess;
let browser: Browser;

beforeAll(async () => {
  const dataDir = makeTempDir('floe-paint-');
  // Seeded through the store's own interface, before the hub opens the database.
  const store = openSqliteStore({ file: sqliteFile(dataDir) });
  const start = Date.now() - RUNS * 1000;
  for (let i = 0; i < RUNS; i++) {
    const createdAt = start + i * 1000;
    const { id } = await store.createRun({
      id: newRunId(createdAt),
      repo: 'octo/app',
      flowId: 'bulk',
      trigger: { type: 'push', data: {} },
      trust: 'trusted',
      flow: FLOW,
      createdAt,
      ref: i % 2 === 0 ? 'refs/heads/main' : 'refs/heads/feature',
      sha: i.toString(16).padStart(40, '0'),
    });
    const result = i % 10 === 0 ? 'bad' : 'good';
    await store.archiveRun(id, {
      result,
      reason: result === 'good' ? 'reached end node done' : 'task build ended bad and nothing listens',
      reasonCode: result === 'good' ? 'end' : 'unhandled-failure',
      endedAt: createdAt + 500,
    });
  }
  await store.close();
  hub = await startHub({ dataDir });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await killSpawned();
  removeTempDirs();
});

describe('the runs page with 10,000 archived runs', { timeout: 60_000 }, () => {
  it('paints the first page (figure printed), pages by cursor and filters by result and branch', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript(`localStorage.setItem('floe.token', ${JSON.stringify(hub.adminToken)})`);
    await page.goto(`${hub.url}/runs?state=archived`);
    await page.waitForFunction(() => performance.getEntriesByName('floe-runs-painted').length > 0);
    const paintMs = await page.evaluate<number>("performance.getEntriesByName('floe-runs-painted')[0].startTime");
    console.log(`runs page, ${RUNS} archived runs: first paint of the list ${paintMs.toFixed(0)} ms after navigation`);

    const numbers = async () =>
      (await page.locator('floe-run-list tbody tr td:first-child a').allTextContents()).map((n) => Number(n.slice(1)));
    expect(await numbers()).toEqual(Array.from({ length: 50 }, (_, i) => RUNS - i));
    await page.locator('floe-runs-page button', { hasText: 'Older' }).click();
    await expect.poll(numbers).toEqual(Array.from({ length: 50 }, (_, i) => RUNS - 50 - i));
    await page.locator('floe-runs-page button', { hasText: 'Newer' }).click();
    await expect.poll(async () => (await numbers())[0]).toBe(RUNS);

    await page.locator('floe-runs-page select[name=result]').selectOption('bad');
    await page.locator('floe-runs-page input[name=branch]').fill('main');
    await page.locator('floe-runs-page button[type=submit]').click();
    await page.waitForURL(/result=bad/);
    expect(new URL(page.url()).searchParams.get('branch')).toBe('main');
    // Run n was seeded as index n-1: on main when n-1 is even, bad when (n-1) % 10 === 0. The API filters both, so
    // the first page holds the 50 newest bad runs on main: n = 9991, 9981, …
    await expect.poll(numbers).toEqual(Array.from({ length: 50 }, (_, i) => RUNS - 9 - 10 * i));
    await page.locator('floe-runs-page button', { hasText: 'Older' }).click();
    await expect.poll(async () => (await numbers())[0]).toBe(RUNS - 9 - 500);
    await page.close();
  });
});
