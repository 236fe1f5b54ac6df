import { GROUP_END_LINE, groupStartLine } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { LogGroupFolder } from './fold-log-groups.js';

describe('LogGroupFolder', () => {
  it('shows a group as its bold name with its lines indented, across chunks cut inside lines', () => {
    const folder = new LogGroupFolder();
    const log = `$ make\n${groupStartLine('Install')}npm ci\nadded 3\n${GROUP_END_LINE}done\n`;
    const out =
      folder.push(log.slice(0, 12)) + folder.push(log.slice(12, 30)) + folder.push(log.slice(30)) + folder.end();
    expect(out).toBe('$ make\n\x1b[1m▸ Install\x1b[0m\n  npm ci\n  added 3\ndone\n');
    expect(out).not.toContain('\u0001');
  });
});
