import { parseFloeFile, type RunDetail, startRun, stepRun } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { nodeViews } from '../runs/node-views.js';
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
  it('has one line per combination of a matrix task, under the task, with its own state', () => {
    const yaml = [
      'id: build',
      'tasks:',
      '  - {id: test, type: exec, listen: trigger.good, opts: {cmd: "true"}, matrix: {axes: {node: [18, 20], pg: [16]}}}',
      '  - {id: deploy, type: exec, listen: task.test.good, opts: {cmd: "true"}}',
    ].join('\n');
    const flow = parseFloeFile(yaml).flows[0];
    if (!flow) throw new Error('the flow did not parse');
    let state = startRun(flow, { at: 0 }).state;
    const outcome = { kind: 'exited', exitCode: 1 } as const;
    state = stepRun(flow, state, {
      type: 'task-finished',
      node: 'test~node-20~pg-16',
      attempt: 1,
      outcome,
      at: 5_000,
    }).state;
    const output = checkRunOutput(run({ nodes: nodeViews(flow.tasks, state) }), new Map(), 'https://floe/runs/r1');
    const rows = output.summary.split('\n').filter((line) => line.startsWith('| ') && !/^\| (node|---) /.test(line));
    expect(rows).toEqual([
      '| test | bad | 5s |',
      '| ↳ test (18, 16) | running | running |',
      '| ↳ test (20, 16) | bad (exit 1) | 5s |',
      // The matrix task failed fast, nothing listens to its bad: the run is ending, deploy will never run.
      '| deploy | skipped |  |',
    ]);
  });

  it("shows test counts, failures and each task's summary, cut to GitHub's 65,535 characters saying so", () => {
    const reports: RunDetail['reports'] = [
      {
        node: 'test',
        attempt: 1,
        report: {
          type: 'tests',
          files: ['out/unit.xml'],
          tests: 3,
          failures: 1,
          errors: 0,
          skipped: 1,
          failed: [{ name: 'adds | subtracts', file: 'src/a.test.ts', line: 4, message: 'expected 1\nbut got 2' }],
          problems: [],
        },
      },
      {
        node: 'test',
        attempt: 1,
        report: { type: 'summary', markdown: `# Big\n${'日本語 '.repeat(20_000)}`, truncated: false },
      },
    ];
    const output = checkRunOutput(run({ reports }), new Map(), 'https://floe/runs/r1');
    expect(output.summary).toContain('3 tests: 1 passed, 1 failed, 0 errors, 1 skipped');
    expect(output.summary).toContain('- ❌ adds \\| subtracts (src/a.test.ts:4): expected 1');
    expect(output.summary).toContain('### Summary of unit \\| tests\n\n# Big');
    expect(bytes(output.summary)).toBeLessThanOrEqual(MAX_CHECK_TEXT);
    expect(output.summary).toMatch(/cut to fit GitHub’s limit of 65,535 characters; the whole run is in floe\)$/);
  });

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
