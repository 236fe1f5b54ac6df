import { parseFloeFile, TRIGGER_NODE } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { flowGraph, flowGraphSvg, runGraph } from './flow-graph.js';

const FLOW = `id: build
tasks:
  - id: compile
    type: exec
    listen: trigger.good
    opts: {cmd: make}
  - id: unit
    type: exec
    listen: task.compile.good
    opts: {cmd: make test}
  - id: lint
    type: exec
    listen: task.compile.good
    opts: {cmd: make lint}
  - id: both
    class: merge
    wait: [task.unit.good, task.lint.good]
  - id: report
    type: exec
    listen: task.compile.bad
    opts: {cmd: echo broken}
  - id: done
    type: end
    listen: merge.both.good
`;

describe('flowGraph', () => {
  const flow = parseFloeFile(FLOW).flows[0];
  if (!flow) throw new Error('fixture does not parse');
  const graph = flowGraph(flow);

  it('puts nodes in columns by their distance from the trigger', () => {
    const at = Object.fromEntries(graph.nodes.map((node) => [node.id, [node.column, node.row]]));
    expect(at).toEqual({
      [TRIGGER_NODE]: [0, 0],
      compile: [1, 0],
      unit: [2, 0],
      lint: [2, 1],
      report: [2, 2],
      both: [3, 0],
      done: [4, 0],
    });
  });

  it('draws one edge per listen and wait tag, bad ones marked', () => {
    expect(graph.edges).toContainEqual({ from: 'compile', to: 'report', tag: 'task.compile.bad', on: 'bad' });
    expect(graph.edges.filter((edge) => edge.to === 'both').map((edge) => edge.from)).toEqual(['unit', 'lint']);
  });

  it('widens a picture to a shared number of columns', () => {
    expect(flowGraphSvg(graph)).toContain('width="1090"');
    expect(flowGraphSvg(graph, 7)).toContain('width="1510"');
  });

  it('renders every node and edge into the SVG', () => {
    const svg = flowGraphSvg(graph);
    expect(svg.match(/<g class="node/g)).toHaveLength(7);
    expect(svg.match(/<path class="edge/g)).toHaveLength(7);
  });
});

describe('runGraph', () => {
  it('draws a run from its node views, each box with its state', () => {
    const graph = runGraph({
      id: 'r1',
      number: 3,
      flowId: 'build',
      repo: 'shop',
      trust: 'trusted',
      state: 'active',
      trigger: { type: 'manual' },
      createdAt: 1,
      nodes: [
        { id: 'compile', type: 'exec', state: 'good', listen: 'trigger.good' },
        { id: 'test', type: 'exec', state: 'running', listen: 'task.compile.good' },
        { id: 'both', type: 'merge', state: 'waiting', wait: ['task.test.good', 'task.compile.good'] },
      ],
    });
    expect(graph.nodes.map((node) => [node.id, node.column, node.state])).toEqual([
      [TRIGGER_NODE, 0, undefined],
      ['compile', 1, 'good'],
      ['test', 2, 'running'],
      ['both', 3, 'waiting'],
    ]);
    expect(graph.edges).toHaveLength(4);
    expect(flowGraphSvg(graph)).toContain('<g class="node task state-running">');
  });
});
