import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const WORKSPACE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The built `floe` command and `floe-hub` program (tests run them as real processes). */
export const FLOE_MAIN = resolve(WORKSPACE_ROOT, 'runner/dist/cli/main.js');
export const HUB_MAIN = resolve(WORKSPACE_ROOT, 'github-app/dist/main.js');

let built = false;

/**
 * Brings runner/dist and github-app/dist up to date with the sources (`tsc -b`, incremental), once per test
 * process. Type errors do not stop it (tsc still emits; the typecheck is another step's job); a missing program
 * does. Call it in `beforeAll` with a long timeout.
 */
export function ensureBuilt(): void {
  if (built) return;
  const tsc = resolve(WORKSPACE_ROOT, 'node_modules/typescript/bin/tsc');
  // Test workers build one at a time: two tsc writing the same dist files could hand a half-written file to a
  // process another worker starts.
  const release = lock(join(tmpdir(), 'floe-e2e-build.lock'));
  let result: ReturnType<typeof spawnSync>;
  try {
    result = spawnSync(process.execPath, [tsc, '-b', 'runner', 'github-app'], {
      cwd: WORKSPACE_ROOT,
      encoding: 'utf8',
    });
  } finally {
    release();
  }
  for (const program of [FLOE_MAIN, HUB_MAIN])
    if (!existsSync(program)) throw new Error(`tsc -b did not build ${program}:\n${result.stdout}${result.stderr}`);
  built = true;
}

/** A lock directory (mkdir is atomic); one left by a dead build is taken over after 5 minutes. */
function lock(path: string): () => void {
  for (;;) {
    try {
      mkdirSync(path);
      return () => rmSync(path, { recursive: true, force: true });
    } catch {
      try {
        if (Date.now() - statSync(path).mtimeMs > 5 * 60_000) rmSync(path, { recursive: true, force: true });
      } catch {
        // Released meanwhile.
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}
