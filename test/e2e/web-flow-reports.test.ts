// The flow page's trends and notification log in Chromium (issue 21), against the built hub and a real runner: a
// flow whose second task always fails runs three times; the page shows its durations (p50 / p95), that task as the
// one that fails most, and the hub's --notify-url deliveries, which a real https receiver on loopback got and
// verified. Its badge, with --public-badges, is an image the browser draws.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RunSummary } from '@floe/shared';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCertificate } from '../../runner/src/testing/test-tls.js';
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
  waitFor,
} from '../support/index.js';

const FLOWS = `flows:
  - id: flaky
    tasks:
      - {id: prep, type: exec, listen: trigger.good, opts: {shell: 'echo prepared'}}
      - {id: check, type: exec, listen: task.prep.good, opts: {shell: 'echo failing; exit 3'}}
`;
const KEY = 'web-notify-signing-key-0123';
const tls = testCertificate();
const received: { body: string; valid: boolean }[] = [];
const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const expected = Buffer.from(`sha256=${createHmac('sha256', KEY).update(raw).digest('hex')}`);
    const given = Buffer.from(String(req.headers['x-floe-signature-256'] ?? ''));
    received.push({
      body: raw.toString(),
      valid: given.length === expected.length && timingSafeEqual(given, expected),
    });
    res.writeHead(204).end();
  });
});

let hub: HubProcess;
let browser: Browser;
let page: Page;
const cspViolations: string[] = [];
const runIds: string[] = [];

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/floe`;
  const repo = makeTempDir('floe-web-reports-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
  hub = await startHub({
    repos: [`acme=${repo}`],
    args: [
      '--allow-network',
      '127.0.0.1/32',
      '--public-badges',
      '--notify-url',
      receiverUrl,
      '--notify-secret',
      'HOOK_KEY',
    ],
    env: { FLOE_SECRET_KEY: 'web-reports-key-0123456789', NODE_EXTRA_CA_CERTS: tls.certFile },
  });
  await hub.json('/api/secrets/HOOK_KEY', { method: 'PUT', body: { value: KEY } });
  const runner = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'vm-1', slots: 1 });
  await runner.waitForOutput('connected to the hub');
  for (let i = 0; i < 3; i++) {
    const { runId } = await hub.json<{ runId: string }>('/api/flows/flaky/runs', { body: {} });
    runIds.push(runId);
    await waitFor(async () => (await hub.json<RunSummary>(`/api/runs/${runId}`)).state === 'archived', {
      what: `run ${i + 1} to end`,
    });
  }
  await waitFor(() => received.length >= 3, { what: 'three notifications' });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await watchCspViolations(page, cspViolations);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await killSpawned();
  server.closeAllConnections();
  server.close();
  removeTempDirs();
});

describe('the flow page', { timeout: 60_000 }, () => {
  it('shows how long the last runs took and the task that fails most', async () => {
    await page.goto(hub.url);
    await page.locator('floe-sign-in input[name=token]').fill(hub.adminToken);
    await page.locator('floe-sign-in button[type=submit]').click();
    await page.locator('floe-app [data-testid=me]').waitFor();
    await page.goto(`${hub.url}/flows/acme/flaky`);
    const reports = page.locator('floe-flow-reports');
    const duration = reports.locator('[data-trend=duration]');
    await duration.waitFor();
    expect((await duration.textContent())?.replace(/\s+/g, ' ')).toMatch(
      /Duration of the last 3 runs: p50 [\d.]+( ms|s) · p95 [\d.]+( ms|s)/,
    );
    expect(await reports.locator('.bars a').count()).toBe(3);
    const rows = reports.locator('[data-trend=failing] tbody tr');
    expect(await rows.count()).toBe(1);
    expect((await rows.first().textContent())?.replace(/\s+/g, ' ')).toContain('check check 3 of 3 runs');
    await rows.first().locator('a').click();
    await page.waitForURL(new RegExp(`/runs/${runIds[2]}\\?node=check$`));
  });

  it("lists the hub's notifications, each delivered at the first attempt to a receiver that checked the signature", async () => {
    expect(received.every((r) => r.valid)).toBe(true);
    expect(received.map((r) => JSON.parse(r.body).run.id).sort()).toEqual([...runIds].sort());
    expect(JSON.parse(received[0]?.body ?? '').run.url).toMatch(new RegExp(`^${hub.url}/runs/`));
    await page.goto(`${hub.url}/flows/acme/flaky`);
    const deliveries = page.locator('floe-flow-reports [data-deliveries] tbody tr');
    await deliveries.first().waitFor();
    expect(await deliveries.count()).toBe(3);
    for (const row of await deliveries.all()) {
      const text = (await row.textContent())?.replace(/\s+/g, ' ') ?? '';
      expect(text).toContain('delivered');
      expect(text).toContain('HTTP 204');
      expect(text).toContain('hub · floe · signed');
    }
  });

  it('draws the public badge of the flow as an image', async () => {
    const answer = await fetch(`${hub.url}/badge/acme/flaky.svg`);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('>failing</text>');
    await page.setContent(`<img id="badge" src="${hub.url}/badge/acme/flaky.svg">`);
    const width = await waitFor(
      () => page.locator('#badge').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      { what: 'the badge drawn' },
    );
    expect(width).toBeGreaterThan(50);
  });

  it('ran under the Content-Security-Policy without a violation', () => {
    expect(cspViolations).toEqual([]);
  });
});
