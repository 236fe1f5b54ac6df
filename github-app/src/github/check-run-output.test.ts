import type { RunDetail } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { checkRunOutput, clip, conclusionOf, logTail, MAX_CHECK_TEXT } from './check-run-output.js';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

function run(overrides: Partial<RunDetail> = {}): RunDetail {
  return {
    id: 'r1',
    number: 4,
    flowId: 'build',
    repo: 'acme/widgets',
    state: 'archived',
    result: 'bad',
    reason: 'task test exited 1 and nothing listens to task.test.bad',
    reasonCode: 'unhandled-failure',
    trigger: { type: 'push' },
    trust: 'trusted',
    createdAt: 0,
    nodes: [
      { id: 'checkout', state: 'good', exitCode: 0, startedAt: 1_000, endedAt: 2_500 },
      { id: 'test', name: 'unit | tests', state: 'bad', exitCode: 1, startedAt: 2_500, endedAt: 92_500 },
      { id: 'deploy', state: 'skipped' },
    ],
    ...overrides,
  };
}

describe('conclusionOf', () => {
  it.each([
    ['good', 'end', 'success'],
    ['bad', 'unhandled-failure', 'failure'],
    ['bad', 'timeout', 'timed_out'],
    ['bad', 'lost', 'failure'],
    ['cancelled', 'cancelled', 'cancelled'],
  ] as const)('maps %s (%s) to %s', (result, reasonCode, conclusion) => {
    expect(conclusionOf({ result, reasonCode })).toBe(conclusion);
  });
});

describe('checkRunOutput', () => {
  it('tabulates nodes with state and duration, links the run, and shows the failing node log', () => {
    const output = checkRunOutput(run(), new Map([['test', 'FAIL src/a.test.ts\n```oops```']]), 'https://floe/runs/r1');
    expect(output.summary).toContain('[Open run #4 in floe](https://floe/runs/r1)');
    expect(output.summary).toContain('| checkout | good (exit 0) | 2s |');
    expect(output.summary).toContain('| unit \\| tests | bad (exit 1) | 1m30s |');
    expect(output.summary).toContain('| deploy | skipped |  |');
    expect(output.text).toContain('FAIL src/a.test.ts');
    // A log cannot close the code fence it is shown in.
    expect(output.text?.match(/^```/gm)).toHaveLength(2);
    expect(output.title).toBe('task test exited 1 and nothing listens to task.test.bad');
  });

  it('lists the stored artifacts with a link to them on the run page, and none while uploading', () => {
    const artifact = (name: string, state: 'stored' | 'uploading', files: number, size: number) => ({
      name,
      node: 'build',
      state,
      trust: 'trusted' as const,
      size,
      files: Array.from({ length: files }, (_, i) => ({ path: `f${i}`, size: 1, sha256: '0'.repeat(64) })),
      createdAt: 0,
    });
    const output = checkRunOutput(run(), new Map(), 'https://floe/runs/r1', [
      artifact('dist', 'stored', 3, 3 * 1024 * 1024),
      artifact('report', 'stored', 1, 200),
      artifact('cut', 'uploading', 1, 5),
    ]);
    expect(output.summary).toContain(
      'Artifacts: [dist](https://floe/runs/r1#artifacts) (3 files, 3.0 MiB) · [report](https://floe/runs/r1#artifacts) (1 file, 200 bytes)',
    );
    expect(output.summary).not.toContain('cut');
    expect(checkRunOutput(run(), new Map(), 'https://floe/runs/r1').summary).not.toContain('Artifacts');
  });

  it('stays within GitHub limits with thousands of nodes and huge multi-byte logs', () => {
    const nodes = Array.from({ length: 2_000 }, (_, i) => ({ id: `node-${i}-✓✓✓`, state: 'bad' as const }));
    const tails = new Map(nodes.map((n) => [n.id, '日本語のログ '.repeat(200)]));
    const output = checkRunOutput(run({ nodes }), tails, 'https://floe/runs/r1');
    expect(bytes(output.summary)).toBeLessThanOrEqual(MAX_CHECK_TEXT);
    expect(bytes(output.text ?? '')).toBeLessThanOrEqual(MAX_CHECK_TEXT);
    expect(output.text).not.toContain('\uFFFD');
    expect(output.text).toMatch(/cut to fit GitHub’s limit/);
  });
});

describe('logTail', () => {
  it('keeps the last 40 lines', () => {
    const log = Array.from({ length: 100 }, (_, i) => `line ${i + 1}`).join('\n');
    const tail = logTail(`${log}\n`).split('\n');
    expect(tail).toHaveLength(40);
    expect(tail[0]).toBe('line 61');
    expect(tail.at(-1)).toBe('line 100');
  });

  it('drops colour codes', () => {
    expect(logTail('\u001b[31mred\u001b[0m text')).toBe('red text');
  });
});

describe('clip', () => {
  it('never cuts inside a character', () => {
    const clipped = clip('é'.repeat(100), 101);
    expect(bytes(clipped)).toBeLessThanOrEqual(101);
    expect(clipped).not.toContain('\uFFFD');
  });
});
