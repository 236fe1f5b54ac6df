import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findFloeCommand } from './find-floe-command.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function tree(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'floe-cmd-'));
  roots.push(root);
  for (const file of files) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), '');
    chmodSync(join(root, file), 0o755);
  }
  return root;
}

describe('findFloeCommand', () => {
  it('prefers the setting, running a .js file with node', () => {
    expect(findFloeCommand('/opt/floe/main.js', '/')).toEqual({ command: 'node', args: ['/opt/floe/main.js'] });
    expect(findFloeCommand('/usr/local/bin/floe', '/')).toEqual({ command: '/usr/local/bin/floe', args: [] });
  });

  it('finds the installed bin above the file', () => {
    const root = tree(['node_modules/.bin/floe', 'app/flows/FLOE.yaml']);
    expect(findFloeCommand('', join(root, 'app', 'flows'))).toEqual({
      command: join(root, 'node_modules/.bin/floe'),
      args: [],
    });
  });

  it('finds this repository’s built CLI', () => {
    const root = tree(['runner/dist/cli/main.js', 'FLOE.yaml']);
    expect(findFloeCommand('', root)).toEqual({ command: 'node', args: [join(root, 'runner/dist/cli/main.js')] });
  });

  it('falls back to floe on the PATH', () => {
    const root = tree(['FLOE.yaml']);
    expect(findFloeCommand('', root)).toEqual({ command: 'floe', args: [] });
  });
});
