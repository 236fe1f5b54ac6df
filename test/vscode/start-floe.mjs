// A real hub and a real runner as processes, for the VS Code integration suite: `floe-hub` (github-app/dist) with
// one local repository, and `floe runner start` (runner/dist) registered with a one-time token. Both must be
// built (`pnpm run build`); run-vscode-tests.mjs checks that first. A start that fails stops what it started.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const hubMain = join(repoRoot, 'github-app', 'dist', 'main.js');
export const floeMain = join(repoRoot, 'runner', 'dist', 'cli', 'main.js');

/**
 * Starts the hub serving `repo`; resolves with its URL and admin token once it listens. `port` and `adminToken`
 * (default: any free port, a random token) let a test restart the same hub on the same address.
 */
export async function startHub({
  dataDir,
  repo,
  port = 0,
  adminToken = `admin-${randomBytes(12).toString('hex')}`,
  timeoutMs = 20_000,
}) {
  const args = ['--port', String(port), '--data-dir', dataDir, '--repo', repo, '--admin-token', adminToken];
  args.push('--log-level', 'warn', '--lease-ms', '5000', '--heartbeat-ms', '1000');
  const child = spawn(process.execPath, [hubMain, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collect(child);
  const hubFile = join(dataDir, 'hub.json');
  let url;
  try {
    // The hub writes hub.json once it listens; a read can catch it half written, so parse until it is whole.
    await waitUntil(
      () => {
        if (child.exitCode !== null) return true;
        url = readHubUrl(hubFile);
        return url !== undefined;
      },
      timeoutMs,
      () => `hub did not start:\n${output()}`,
    );
    if (child.exitCode !== null) throw new Error(`hub exited ${child.exitCode}:\n${output()}`);
  } catch (err) {
    await stop(child);
    throw err;
  }
  return { url, adminToken, child, output };
}

function readHubUrl(file) {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')).url;
  } catch {
    return undefined;
  }
}

/** Registers and starts a runner; resolves once the hub lists it as connected. */
export async function startRunner({ hubUrl, adminToken, workDir, name = 'vscode-runner', timeoutMs = 20_000 }) {
  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const response = await fetch(`${hubUrl}/api/runners/tokens`, {
    method: 'POST',
    headers,
    body: '{}',
    signal: AbortSignal.timeout(5000),
  });
  if (!response.ok) throw new Error(`runner token: HTTP ${response.status} ${await response.text()}`);
  const { token } = await response.json();
  const args = ['runner', 'start', '--hub', hubUrl, '--token', token, '--name', name, '--slots', '2'];
  args.push('--work-dir', workDir, '--kill-grace', '1s');
  const child = spawn(process.execPath, [floeMain, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FLOE_LOG_LEVEL: 'warn' },
  });
  const output = collect(child);
  let connected = false;
  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null) return true;
        const list = await fetch(`${hubUrl}/api/runners`, { headers, signal: AbortSignal.timeout(5000) })
          .then((r) => r.json())
          .catch(() => []);
        connected = Array.isArray(list) && list.some((runner) => runner.name === name && runner.connected);
        return connected;
      },
      timeoutMs,
      () => `runner did not connect:\n${output()}`,
    );
    if (!connected) throw new Error(`runner exited ${child.exitCode}:\n${output()}`);
  } catch (err) {
    await stop(child);
    throw err;
  }
  return { child, output };
}

/** Stops a child with SIGTERM, then SIGKILL after `graceMs`. */
export async function stop(child, graceMs = 3000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function collect(child) {
  let text = '';
  const add = (chunk) => {
    text = (text + chunk).slice(-20_000);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => text;
}

async function waitUntil(check, timeoutMs, message) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((r) => setTimeout(r, 150));
  }
}
