import { describe, expect, it } from 'vitest';
import type { ResolvedFlow, ResolvedTask } from './flow-schema.js';
import { MatrixSchema } from './matrix-schema.js';
import { parseFloeFile } from './parse-floe-file.js';
import { combinationId, combinationTask, expandMatrix } from './resolve-matrix.js';

function parsed(task: string) {
  return parseFloeFile(`id: f\ntasks:\n  - ${task}\n`);
}

function flowOf(task: string): ResolvedFlow {
  const { flows, diagnostics } = parsed(task);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return flows[0] as ResolvedFlow;
}

const combination = (flow: ResolvedFlow, id: string) => flow.tasks.find((node) => node.id === id) as ResolvedTask;

describe('the combinations of a matrix', () => {
  it('are the product of the axes, less exclude, plus include, in that order', () => {
    const matrix = MatrixSchema.parse({
      axes: { node: [18, 20], pg: [15, 16] },
      exclude: [{ node: 18, pg: 16 }],
      include: [{ node: 22, pg: 17 }],
    });
    expect(expandMatrix(matrix, 'test')).toEqual({
      combinations: [
        { node: '18', pg: '15' },
        { node: '20', pg: '15' },
        { node: '20', pg: '16' },
        { node: '22', pg: '17' },
      ],
      problems: [],
    });
  });

  it('leave out every combination a partial exclude matches', () => {
    const matrix = MatrixSchema.parse({ axes: { os: ['linux', 'mac'], node: [18, 20] }, exclude: [{ os: 'mac' }] });
    expect(expandMatrix(matrix, 't').combinations).toEqual([
      { os: 'linux', node: '18' },
      { os: 'linux', node: '20' },
    ]);
  });

  it('are counted before they are made, so a hostile matrix of 16 axes of 256 values costs nothing', () => {
    const axes = Object.fromEntries(
      Array.from({ length: 16 }, (_, i) => [`a${i}`, Array.from({ length: 256 }, (_, j) => j)]),
    );
    const { combinations, problems } = expandMatrix(MatrixSchema.parse({ axes }), 't');
    expect(combinations).toEqual([]);
    expect(problems.map((problem) => problem.code)).toEqual(['matrix-too-large']);
    expect(problems[0]?.message).toContain('more than 256');
  });

  it('make at most 256, and 256 exactly is allowed', () => {
    const axes = { a: Array.from({ length: 16 }, (_, i) => i), b: Array.from({ length: 16 }, (_, i) => i) };
    expect(expandMatrix(MatrixSchema.parse({ axes }), 't').combinations).toHaveLength(256);
    const over = MatrixSchema.parse({ axes, include: [{ a: 99, b: 99 }] });
    expect(expandMatrix(over, 't').problems[0]).toMatchObject({ code: 'matrix-too-large' });
  });
});

describe('a combination id', () => {
  it('is the task id, then ~axis-value for each axis, keeping the id rules', () => {
    expect(combinationId('test', { node: '20', pg: '16' })).toBe('test~node-20~pg-16');
    // `.`, `/`, spaces, `~` and anything else an id may not hold become `-`; letters are lower-cased.
    expect(combinationId('t', { v: 'Ubuntu 22.04/arm~x' })).toBe('t~v-ubuntu-22-04-arm-x');
    expect(combinationId('t', { v: 'ünï' })).toBe('t~v-ünï');
  });

  it('is the id of a node the resolver makes, after the tasks as written', () => {
    const flow = flowOf(
      '{id: test, type: exec, listen: trigger.good, opts: {cmd: "true"}, matrix: {axes: {node: ["18.x", 20]}}}',
    );
    expect(flow.tasks.map((node) => node.id)).toEqual(['test', 'test~node-18-x', 'test~node-20']);
    expect(combination(flow, 'test~node-18-x')).toMatchObject({
      name: 'test (18.x)',
      combination: { of: 'test', values: { node: '18.x' } },
    });
    expect(combination(flow, 'test~node-18-x')).not.toHaveProperty('listen');
    expect(combination(flow, 'test~node-18-x')).not.toHaveProperty('matrix');
  });
});

describe('{{matrix.AXIS}} in the opts of a combination', () => {
  const hostile = `a"; touch /tmp/pwned; echo "$(id)\`id\``;

  it('reaches a shell script as a reference to its variable, never as text to run', () => {
    const flow = flowOf(
      `{id: t, type: exec, listen: trigger.good, opts: {shell: 'echo "{{matrix.v}}" {{ matrix.v }}', args: ['{{matrix.v}}']}, matrix: {axes: {v: ['${hostile.replaceAll("'", "''")}']}}}`,
    );
    const task = flow.tasks[1] as ResolvedTask & { type: 'exec' };
    const ref = (name: string) => `\${${name}}`;
    expect(task.opts.shell).toBe(`echo "${ref('FLOE_MATRIX_V')}" ${ref('FLOE_MATRIX_V')}`);
    expect(task.opts.args).toEqual([ref('FLOE_MATRIX_V')]);
    expect(JSON.stringify(task.opts)).not.toContain('pwned');
  });

  it('is one argument of a cmd, whatever spaces the value holds', () => {
    const flow = flowOf(
      "{id: t, type: exec, listen: trigger.good, opts: {cmd: 'node --v={{matrix.v}} x', sub-dir: 'out/{{matrix.v}}'}, matrix: {axes: {v: ['1 2; rm -rf /']}}}",
    );
    const task = flow.tasks[1] as ResolvedTask & { type: 'exec' };
    expect(task.opts).toMatchObject({ cmd: 'node', args: ['--v=1 2; rm -rf /', 'x'], 'sub-dir': 'out/1 2; rm -rf /' });
  });

  it('becomes a variable reference in env values, expanded once by the runner', () => {
    const flow = flowOf(
      "{id: t, type: exec, listen: trigger.good, opts: {cmd: 'true', env: {NODE: 'v{{matrix.node}}'}}, matrix: {axes: {node: ['$HOME']}}}",
    );
    expect((flow.tasks[1] as ResolvedTask & { type: 'exec' }).opts.env).toEqual({ NODE: `v\${FLOE_MATRIX_NODE}` });
  });

  it('fills a checkout ref and a fetch location as text', () => {
    const task = combinationTask(
      {
        id: 'co',
        name: 'co',
        class: 'task',
        type: 'git-checkout',
        listen: 'trigger.good',
        opts: { ref: 'release/{{matrix.v}}', depth: 1 },
        'ignore-fail': false,
        'use-status': false,
        retry: 0,
      },
      { v: '2.x' },
    );
    expect(task).toMatchObject({ id: 'co~v-2-x', opts: { ref: 'release/2.x', depth: 1 } });
  });
});

describe('hostile matrices', () => {
  it('refuses axis values and names with control bytes, and axis names that are not lower-case words', () => {
    for (const matrix of [
      'matrix: {axes: {v: ["a\\u0000b"]}}',
      'matrix: {axes: {v: ["line\\nbreak"]}}',
      'matrix: {axes: {v: ["\\u001b[2K"]}}',
      'matrix: {axes: {"v\\u0007": [1]}}',
      'matrix: {axes: {Node: [1]}}',
      'matrix: {axes: {a-b: [1]}}',
      `matrix: {axes: {v: ["${'x'.repeat(101)}"]}}`,
      `matrix: {axes: {v: [${Array.from({ length: 257 }, (_, i) => i).join(',')}]}}`,
    ]) {
      const { flows, diagnostics } = parsed(
        `{id: t, type: exec, listen: trigger.good, opts: {cmd: "true"}, ${matrix}}`,
      );
      expect(flows, matrix).toEqual([]);
      expect(
        diagnostics.map((d) => d.code),
        matrix,
      ).toContain('invalid-value');
    }
  });

  it('makes no combination of a matrix with problems, so nothing of it can run', () => {
    const { flows, diagnostics } = parsed(
      '{id: t, type: exec, listen: trigger.good, opts: {cmd: "true"}, matrix: {axes: {a: [1]}, include: [{a: 2, evil: x}]}}',
    );
    expect(flows).toEqual([]);
    expect(diagnostics.map((d) => d.code)).toEqual(['matrix-unknown-axis']);
  });

  it('reads axis names like constructor and toString as names, never as what every object has', () => {
    const flow = flowOf(
      "{id: t, type: exec, listen: trigger.good, opts: {cmd: 'echo {{matrix.constructor}}'}, matrix: {axes: {constructor: [a]}, include: [{constructor: b}]}}",
    );
    expect(flow.tasks.map((node) => (node as ResolvedTask & { type: 'exec' }).opts.args)).toEqual([
      undefined,
      ['a'],
      ['b'],
    ]);
    const { diagnostics } = parsed(
      "{id: t, type: exec, listen: trigger.good, opts: {cmd: 'echo {{matrix.toString}}'}, matrix: {axes: {constructor: [a]}, include: [{}]}}",
    );
    expect(diagnostics.map((d) => d.code).sort()).toEqual(['matrix-missing-axis', 'matrix-unknown-axis']);
  });
});
