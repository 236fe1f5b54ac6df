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

  it('writes the format asked for, whatever the stream is (--log-format)', () => {
    const terminal = capture(true);
    createRunnerLogger(terminal.output, { format: 'json' }).info({ runId: 'r1' }, 'run accepted');
    expect(JSON.parse(terminal.lines[0] ?? '{}')).toMatchObject({ msg: 'run accepted', runId: 'r1' });
    const file = capture(false);
    createRunnerLogger(file.output, { format: 'pretty' }).info({ runId: 'r1' }, 'run accepted');
    expect(file.lines[0]).toMatch(/^\d\d:\d\d:\d\d INFO {2}run accepted runId=r1\n$/);
  });
});
