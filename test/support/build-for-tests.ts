// Vitest global setup: brings the built programs up to date with the sources once, in the main process, before
// any test worker starts. End-to-end tests run the built `floe` and `floe-hub` as real processes and the hub
// serves web/dist, so each must be of these sources; building here (rather than in each test file) means no
// worker waits on another's build and no process is ever handed a half-written file.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FLOE_MAIN, HUB_MAIN, WORKSPACE_ROOT } from './workspace-root.js';

const WEB = join(WORKSPACE_ROOT, 'web');
const WEB_SOURCES = ['src', 'index.html', 'vite.config.ts', '../shared/src'].map((path) => join(WEB, path));

export default function buildForTests(): void {
  // tsc -b is incremental: a second of checking when nothing changed.
  run([join(WORKSPACE_ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'runner', 'github-app'], WORKSPACE_ROOT);
  // `floe` runs as a bundle of tsc's output (runner/bundle-cli.js): tsc alone left the e2e tests a stale one.
  const bundle = statSync(FLOE_MAIN, { throwIfNoEntry: false });
  const CLI_SOURCES = ['runner/src', 'shared/src'].map((path) => join(WORKSPACE_ROOT, path));
  if (bundle === undefined || CLI_SOURCES.some((source) => newest(source) > bundle.mtimeMs))
    run([join(WORKSPACE_ROOT, 'runner/bundle-cli.js')], WORKSPACE_ROOT);
  for (const program of [FLOE_MAIN, HUB_MAIN])
    if (!statSync(program, { throwIfNoEntry: false })) throw new Error(`tsc -b did not build ${program}`);
  // `floe` is a bundle of tsc's output (runner/bundle-cli.js), and an incremental tsc -b does not rewrite main.js
  // when other files change: without this, end-to-end tests ran a runner older than its sources.
  const RUNNER = join(WORKSPACE_ROOT, 'runner');
  if (['src', '../shared/src'].some((source) => newest(join(RUNNER, source)) > (statSync(FLOE_MAIN).mtimeMs ?? 0)))
    run([join(RUNNER, 'bundle-cli.js')], WORKSPACE_ROOT);
  const page = statSync(join(WEB, 'dist/index.html'), { throwIfNoEntry: false });
  if (page === undefined || WEB_SOURCES.some((source) => newest(source) > page.mtimeMs))
    run([join(WEB, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error'], WEB);
}

function run(args: string[], cwd: string): void {
  const result = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
}

function newest(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}
