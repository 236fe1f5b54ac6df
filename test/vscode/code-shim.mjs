#!/usr/bin/env node
// A stand-in for the VS Code executable, for @vscode/test-electron: there is no desktop VS Code on these machines, so
// this takes VS Code's command-line flags and runs them against code-server 4.100.3 (VS Code 1.100.3's server and web
// workbench, .tools/code-server) with Debian's chromium driven by playwright-core as the window. VS Code's own test
// entry point does the rest: the workbench runs the `extensionTestsPath` module in the real extension host and reports
// the exit code through `codeAutomationExit`, which becomes this process's exit code.
//
// While the tests run, a small HTTP endpoint lets them look at the window, its address in FLOE_SHIM_URL (the
// environment reaches the extension host through code-server):
//   GET /screenshot?name=N[&frameText=T]  saves docs/screenshots/N.png (only when FLOE_SCREENSHOTS_DIR is set),
//                           after waiting (up to 5 s) for a frame — a webview — to show T, and answers 200;
//   GET /text               answers the workbench's visible text (document.body.innerText);
//   GET /quick-input?title=T&text=X  waits for the quick input (a quick pick or an input box) titled T, types X
//                           and presses Enter — a person answering the extension's prompts.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join, resolve } from 'node:path';
import { format } from 'node:util';
import { chromium } from 'playwright-core';
import { codeServerBin } from './install-code-server.mjs';

const TIMEOUT_MS = Number(process.env.FLOE_SHIM_TIMEOUT_MS ?? 180_000);

const flags = { positional: [] };
for (const arg of process.argv.slice(2)) {
  const match = /^--([^=]+)=(.*)$/.exec(arg);
  if (match) flags[match[1]] = match[2];
  else if (!arg.startsWith('--')) flags.positional.push(arg);
}
const developmentPath = flags.extensionDevelopmentPath && resolve(flags.extensionDevelopmentPath);
const testsPath = flags.extensionTestsPath && resolve(flags.extensionTestsPath);
const userDataDir = resolve(flags['user-data-dir'] ?? '.vscode-test/user-data');
const extensionsDir = resolve(flags['extensions-dir'] ?? '.vscode-test/extensions');
const folder = flags.positional[0] && resolve(flags.positional[0]);

const freePort = () =>
  new Promise((resolvePort) => {
    const server = createNetServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });

// Quiet settings: no gallery lookups (offline), no welcome page, no trust prompt.
mkdirSync(join(userDataDir, 'User'), { recursive: true });
mkdirSync(extensionsDir, { recursive: true });
writeFileSync(
  join(userDataDir, 'User', 'settings.json'),
  JSON.stringify({
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'window.title': 'Floe — VS Code',
    'terminal.integrated.gpuAcceleration': 'off',
  }),
);

let page;
const shimServer = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://shim');
  try {
    if (url.pathname === '/screenshot') {
      const dir = process.env.FLOE_SCREENSHOTS_DIR;
      const name = (url.searchParams.get('name') ?? 'shot').replace(/[^\w.-]/g, '');
      if (dir && page) {
        const frameText = url.searchParams.get('frameText');
        if (frameText) await waitForFrameText(frameText, 5000);
        mkdirSync(dir, { recursive: true });
        await page.screenshot({ path: join(dir, `${name}.png`) });
      }
      res.end(dir ? 'saved' : 'skipped');
    } else if (url.pathname === '/quick-input') {
      const title = url.searchParams.get('title') ?? '';
      const widget = page.locator('.quick-input-widget').filter({ hasText: title });
      await widget.waitFor({ state: 'visible', timeout: 10_000 });
      await page.keyboard.type(url.searchParams.get('text') ?? '');
      await page.keyboard.press('Enter');
      res.end('ok');
    } else if (url.pathname === '/text') {
      // innerText, not textContent: what a person sees (collapsed and hidden parts of the workbench left out).
      // biome-ignore lint/performance/useDomNodeTextContent: visible text is the point
      res.end(page ? await page.evaluate(() => document.body.innerText) : '');
    } else {
      res.statusCode = 404;
      res.end();
    }
  } catch (err) {
    res.statusCode = 500;
    res.end(String(err));
  }
});
await new Promise((r) => shimServer.listen(0, '127.0.0.1', r));

/** Webviews render in nested frames, after the command that opened them has returned. */
async function waitForFrameText(text, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const shown = await frame.evaluate(() => document.body?.textContent ?? '').catch(() => '');
      if (shown.includes(text)) return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
const shimUrl = `http://127.0.0.1:${shimServer.address().port}`;

const port = await freePort();
const authority = `127.0.0.1:${port}`;
let serverLog = '';
const server = spawn(
  codeServerBin.endsWith('.js') ? process.execPath : codeServerBin,
  [
    ...(codeServerBin.endsWith('.js') ? [codeServerBin] : []),
    '--bind-addr',
    authority,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
  ],
  // Its own process group, so that stopping it also stops the extension host and the helpers it forked.
  { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FLOE_SHIM_URL: shimUrl }, detached: true },
);
const keep = (chunk) => {
  serverLog = (serverLog + chunk).slice(-10_000);
};
server.stdout.on('data', keep);
server.stderr.on('data', keep);

let browser;
let finished = false;
async function finish(code) {
  if (finished) return;
  finished = true;
  await browser?.close().catch(() => {});
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
  shimServer.close();
  process.exit(code);
}
const timer = setTimeout(() => {
  process.stderr.write(
    `code-shim: no result after ${TIMEOUT_MS} ms; code-server log tail:\n${serverLog.slice(-3000)}\n`,
  );
  void finish(124);
}, TIMEOUT_MS);
timer.unref();
server.on('exit', (code) => {
  if (!finished) {
    process.stderr.write(`code-shim: code-server exited ${code}:\n${serverLog.slice(-3000)}\n`);
    void finish(1);
  }
});

const base = `http://${authority}`;
for (let started = Date.now(); ; ) {
  const ok = await fetch(`${base}/healthz`)
    .then((r) => r.ok)
    .catch(() => false);
  if (ok) break;
  if (Date.now() - started > 30_000) {
    process.stderr.write(`code-shim: code-server not healthy:\n${serverLog}\n`);
    await finish(1);
  }
  await new Promise((r) => setTimeout(r, 200));
}

browser = await chromium.launch({
  executablePath: process.env.FLOE_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
// The clipboard permissions let "Copy Link" work as it does for a person (the web workbench uses the browser's).
const browserContext = await browser.newContext({
  viewport: { width: 1280, height: 800 },
  permissions: ['clipboard-read', 'clipboard-write'],
});
page = await browserContext.newPage();
await page.exposeFunction('codeAutomationLog', (_type, args) => {
  const parts = Array.isArray(args) ? args : [args];
  const text = format(...parts);
  // The workbench asks the extension gallery for updates; offline that fails loudly and means nothing here.
  if (text.includes('open-vsx.org')) return;
  process.stdout.write(`${text}\n`);
});
await page.exposeFunction('codeAutomationExit', (code) => void finish(Number(code) || 0));
const remote = (path) => `vscode-remote://${authority}${path}`;
const payload = [];
if (developmentPath) payload.push(['extensionDevelopmentPath', remote(developmentPath)]);
if (testsPath) payload.push(['extensionTestsPath', remote(testsPath)]);
const query = new URLSearchParams();
if (folder) query.set('folder', folder);
if (payload.length) query.set('payload', JSON.stringify(payload));
await page.goto(`${base}/?${query}`);
