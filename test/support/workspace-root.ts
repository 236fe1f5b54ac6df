import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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
  const result = spawnSync(process.execPath, [tsc, '-b', 'runner', 'github-app'], {
    cwd: WORKSPACE_ROOT,
    encoding: 'utf8',
  });
  for (const program of [FLOE_MAIN, HUB_MAIN])
    if (!existsSync(program)) throw new Error(`tsc -b did not build ${program}:\n${result.stdout}${result.stderr}`);
  built = true;
}
