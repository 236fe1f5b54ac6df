// Component tests in a real browser: Vite serves web/ from its sources and Chromium opens its page, where a test
// imports the element it mounts (`/src/elements/floe-….ts`) and reads its shadow DOM.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';
import { launchChromium } from '../../../test/browser/launch-chromium.js';

type Browser = Awaited<ReturnType<typeof launchChromium>>;
export type Page = Awaited<ReturnType<Browser['newPage']>>;

export interface ComponentPage {
  page: Page;
  /** Loads `/src/elements/<tag>.ts` in the page and waits until `<tag>` is defined. */
  load(tag: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts Vite on a free port and opens a page of it with nothing mounted. */
export async function openComponentPage(): Promise<ComponentPage> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const cacheDir = mkdtempSync(join(tmpdir(), 'floe-vite-'));
  const server: ViteDevServer = await createServer({
    root,
    configFile: `${root}/vite.config.ts`,
    logLevel: 'error',
    // Its own dependency cache: two test files may run servers at once.
    cacheDir,
    server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
  });
  await server.listen();
  const base = server.resolvedUrls?.local[0] ?? '';
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ acceptDownloads: true });
    page.on('pageerror', (error: Error) => console.error('page error:', error));
    await page.goto(`${base}component-test`);
    // The page is the dashboard's index.html (its palette); the app itself is not needed here.
    await page.evaluate(() => document.querySelector('floe-app')?.remove());
    const opened = browser;
    return {
      page,
      async load(tag) {
        await page.addScriptTag({ type: 'module', content: `import '/src/elements/${tag}.ts';` });
        await page.waitForFunction((name) => customElements.get(name) !== undefined, tag);
      },
      async close() {
        await opened.close();
        await server.close();
        rmSync(cacheDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close();
    await server.close();
    throw error;
  }
}
