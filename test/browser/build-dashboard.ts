// Builds web/dist once per test process, so that the hub under test serves the dashboard of these sources.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = resolve(fileURLToPath(import.meta.url), '../../../web');
let built = false;

export function buildDashboard(): void {
  if (built) return;
  const vite = resolve(WEB, 'node_modules/vite/bin/vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'error'], { cwd: WEB, encoding: 'utf8' });
  if (result.status !== 0 || !existsSync(resolve(WEB, 'dist/index.html'))) {
    throw new Error(`vite build failed:\n${result.stdout}${result.stderr}`);
  }
  built = true;
}
