// Which `floe` runs "Run This Flow Locally" (commands/run-locally.ts), first match wins:
//  1. the `floe.floeCommand` setting — an executable, or a `.js` file run with `node`;
//  2. `node_modules/.bin/floe` in the file's folder or one above it (a project that depends on @floe/runner);
//  3. `runner/dist/cli/main.js` in the file's folder or one above it (this repository, built);
//  4. `floe` on the PATH.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface FloeCommandLine {
  command: string;
  args: string[];
}

export function findFloeCommand(setting: string, startDir: string): FloeCommandLine {
  if (setting !== '')
    return setting.endsWith('.js') ? { command: 'node', args: [setting] } : { command: setting, args: [] };
  for (let dir = startDir; ; dir = dirname(dir)) {
    const bin = join(dir, 'node_modules', '.bin', 'floe');
    if (existsSync(bin)) return { command: bin, args: [] };
    const built = join(dir, 'runner', 'dist', 'cli', 'main.js');
    if (existsSync(built)) return { command: 'node', args: [built] };
    if (dirname(dir) === dir) break;
  }
  return { command: 'floe', args: [] };
}
