import { describe, expect, it } from 'vitest';
import { createRunnerLogger } from './create-runner-logger.js';

function capture(isTTY: boolean) {
  const lines: string[] = [];
  return { lines, output: { isTTY, write: (text: string) => lines.push(text) } };
}

describe('runner logger', () => {
  it('writes JSON lines when no person is reading, with credentials redacted', () => {
    const { lines, output } = capture(false);
    createRunnerLogger(output).info({ runId: 'r1', credential: 'secret', token: 'tok' }, 'run accepted');
    const entry = JSON.parse(lines[0] ?? '{}');
    expect(entry).toMatchObject({ msg: 'run accepted', runId: 'r1', credential: '[redacted]', token: '[redacted]' });
  });

  it('writes one readable line per entry on a terminal', () => {
    const { lines, output } = capture(true);
    createRunnerLogger(output).warn({ hub: 'http://h', delayMs: 800 }, 'cannot reach the hub; retrying');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d WARN {2}cannot reach the hub; retrying hub=http:\/\/h delayMs=800\n$/);
  });
});
