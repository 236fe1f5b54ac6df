// Builds web/dist when it is older than the sources, so that the hub under test serves the dashboard of these
// sources. Test files run in parallel workers: one builds under a lock directory while the others wait, and a
// stamp written after a complete build tells them it is done (a hub must never see a half-emptied web/dist).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const WEB = join(ROOT, 'web');
const STAMP = join(WEB, 'dist/.built');
const LOCK = join(WEB, '.build-lock');
const SOURCES = [join(WEB, 'src'), join(WEB, 'index.html'), join(WEB, 'vite.config.ts'), join(ROOT, 'shared/src')];
const STALE_LOCK_MS = 120_000;

let built = false;

export function buildDashboard(): void {
  if (built) return;
  const deadline = Date.now() + STALE_LOCK_MS;
  for (;;) {
    if (isFresh()) break;
    if (takeLock()) {
      try {
        if (!isFresh()) runViteBuild();
      } finally {
        rmSync(LOCK, { recursive: true, force: true });
      }
      break;
    }
    if (Date.now() > deadline) throw new Error(`another test has held ${LOCK} for too long; remove it`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
  built = true;
}

function runViteBuild(): void {
  const vite = join(WEB, 'node_modules/vite/bin/vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'error'], { cwd: WEB, encoding: 'utf8' });
  if (result.status !== 0 || !existsSync(join(WEB, 'dist/index.html'))) {
    throw new Error(`vite build failed:\n${result.stdout}${result.stderr}`);
  }
  writeFileSync(STAMP, new Date().toISOString());
}

function takeLock(): boolean {
  try {
    mkdirSync(LOCK);
    return true;
  } catch {
    // A lock left by a test process that died is taken over.
    const held = statSync(LOCK, { throwIfNoEntry: false });
    if (held !== undefined && Date.now() - held.mtimeMs > STALE_LOCK_MS) {
      rmSync(LOCK, { recursive: true, force: true });
    }
    return false;
  }
}

function isFresh(): boolean {
  const stamp = statSync(STAMP, { throwIfNoEntry: false });
  return stamp !== undefined && SOURCES.every((source) => newest(source) <= stamp.mtimeMs);
}

function newest(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}
