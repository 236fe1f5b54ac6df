// The hub's HTTP headers (docs/security.md "HTTP headers"), against the built floe-hub and a real runner: every
// answer carries the Content-Security-Policy, nosniff and a referrer policy; in Chromium the dashboard works under
// them — sign-in, a run with its graph, a log in 24-bit colour, the timeline, the runners — and the browser reports
// no violation, while an inline script or style, and framing the dashboard, are refused (so the listener would see
// one, and the policy is enforced, not just sent).
import type { Browser, Locator, Page } from 'playwright-core';
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
} from '../support/index.js';

const FLOWS = `
flows:
  - id: paint
    tasks:
      - {id: colours, type: exec, listen: trigger.good, opts: {shell: 'printf "\\\\033[38;2;255;0;0mred\\\\033[0m and \\\\033[32mgreen\\\\033[0m\\\\n"'}}
`;

const EXPECTED = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** Reads `expression` of the element `el` in the page (the test code has no DOM types). */
const read = (locator: Locator, expression: string) =>
  locator.evaluate(new Function('el', `return ${expression}`) as (el: unknown) => string);

let hub: HubProcess;
let browser: Browser;
let page: Page;
/** Every violation the page reported (its `securitypolicyviolation` events) and every CSP console error. */
const violations: string[] = [];

beforeAll(async () => {
  const repo = makeTempDir('floe-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
  hub = await startHub({ repos: [repo], leaseMs: 3_000, heartbeatMs: 300 });
  const runner = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'vm-1' });
  await runner.waitForOutput('connected to the hub');
  browser = await launchChromium();
  page = await browser.newPage();
  await watchCspViolations(page, violations);
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await killSpawned();
  removeTempDirs();
});

describe('headers', () => {
  it('go with every answer: the dashboard, its assets, the API, errors, refusals, health', async () => {
    const index = await fetch(hub.url);
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] as string;
    expect(asset).toBeDefined();
    const answers = await Promise.all([
      Promise.resolve(index),
      fetch(new URL(asset, hub.url)),
      fetch(new URL('/runs/some-run', hub.url)),
      fetch(new URL('/healthz', hub.url)),
      fetch(new URL('/api/runs', hub.url)),
      hub.request('/api/runs'),
      hub.request('/api/no-such-route'),
      fetch(new URL('/assets/missing.js', hub.url)),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 401, 200, 404, 404]);
    for (const answer of answers) {
      for (const [name, value] of Object.entries(EXPECTED))
        expect(answer.headers.get(name), `${answer.url} ${name}`).toBe(value);
    }
  });
});

describe('the dashboard under its Content-Security-Policy', { timeout: 60_000 }, () => {
  it('signs in, shows a run with its graph, coloured log and timeline, and the runners, with no violation', async () => {
    await page.goto(hub.url);
    await page.locator('floe-sign-in input[name=token]').fill(hub.adminToken);
    await page.locator('floe-sign-in button[type=submit]').click();
    await page.locator('floe-app [data-testid=me]').waitFor();

    const { runId } = await hub.json<{ runId: string }>('/api/flows/paint/runs', { body: {} });
    await page.goto(`${hub.url}/runs/${runId}?node=colours`);
    await expect
      .poll(() => page.locator('floe-run-page [data-testid=run-status]').textContent(), { timeout: 20_000 })
      .toBe('good');
    // The 24-bit colour is a computed style, set through the CSSOM; the 8-colour one a class.
    const red = page.locator('floe-log-view .line span', { hasText: 'red' }).first();
    await red.waitFor({ timeout: 15_000 });
    expect(await read(red, 'getComputedStyle(el).color')).toBe('rgb(255, 0, 0)');
    expect(await page.locator('floe-log-view .line span.f2').first().textContent()).toBe('green');
    // Sizes the log view and the timeline compute.
    expect(await read(page.locator('floe-log-view .spacer'), 'el.style.height')).toMatch(/px$/);
    expect(await read(page.locator('floe-run-timeline .bar').first(), 'el.style.width')).toMatch(/%$/);
    // The palette is a style sheet of its own, applied.
    expect(
      await page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--floe-accent')"),
    ).not.toBe('');

    await page.locator('floe-app nav a', { hasText: 'Runners' }).click();
    await page.locator('floe-runners-page tr[data-runner=vm-1]').waitFor();
    expect(violations).toEqual([]);
  });

  it('refuses an inline script and an inline style, which the listener reports', async () => {
    await page.evaluate(`{
      const script = document.createElement('script');
      script.textContent = 'window.floeInjected = true';
      document.body.append(script);
      document.body.insertAdjacentHTML('beforeend', '<div id="injected" style="color: rgb(1, 2, 3)">x</div>');
    }`);
    await expect.poll(() => violations.length).toBeGreaterThanOrEqual(2);
    expect(await page.evaluate('window.floeInjected')).toBeUndefined();
    expect(await read(page.locator('#injected'), 'getComputedStyle(el).color')).not.toBe('rgb(1, 2, 3)');
    expect(violations.join('\n')).toMatch(/script-src/);
    expect(violations.join('\n')).toMatch(/style-src/);
    violations.length = 0;
  });

  it('cannot be framed by another page', async () => {
    const framing = await browser.newPage();
    const refused: string[] = [];
    framing.on('console', (message) => refused.push(message.text()));
    await framing.setContent(`<iframe id="f" src="${hub.url}"></iframe>`);
    await expect.poll(() => refused.join('\n'), { timeout: 15_000 }).toMatch(/frame-ancestors 'none'/);
    const frame = framing.frames().find((f) => f.url().startsWith(hub.url));
    expect(frame ? await frame.locator('floe-app').count() : 0).toBe(0);
    await framing.close();
  });
});
