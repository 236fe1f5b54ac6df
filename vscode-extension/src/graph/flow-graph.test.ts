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

  it('lays nodes out left to right along their edges with dagre, the trigger first, none overlapping', () => {
    const at = new Map(graph.nodes.map((node) => [node.id, node]));
    const x = (id: string) => at.get(id)?.x ?? Number.NaN;
    expect(graph.nodes.map((node) => node.id)).toEqual([
      TRIGGER_NODE,
      'compile',
      'unit',
      'lint',
      'both',
      'report',
      'done',
    ]);
    expect(x(TRIGGER_NODE)).toBeLessThan(x('compile'));
    expect(x('compile')).toBeLessThan(x('unit'));
    expect(x('unit')).toBe(x('lint'));
    expect(x('lint')).toBeLessThan(x('both'));
    expect(x('both')).toBeLessThan(x('done'));
    for (const a of graph.nodes) {
      for (const b of graph.nodes) {
        if (a === b) continue;
        const apart = Math.abs(a.x - b.x) >= 150 || Math.abs(a.y - b.y) >= 40;
        expect(apart, `${a.id} overlaps ${b.id}`).toBe(true);
      }
    }
    expect(graph.edges.every((edge) => edge.points.length >= 2)).toBe(true);
  });

  it('draws one edge per listen and wait tag, bad ones marked', () => {
    expect(graph.edges).toContainEqual(
      expect.objectContaining({ from: 'compile', to: 'report', tag: 'task.compile.bad', on: 'bad' }),
    );
    expect(graph.edges.filter((edge) => edge.to === 'both').map((edge) => edge.from)).toEqual(['unit', 'lint']);
  });

  it('widens a picture to a shared width', () => {
    expect(flowGraphSvg(graph)).toContain(`width="${Math.ceil(graph.width)}"`);
    expect(flowGraphSvg(graph, graph.width + 200)).toContain(`width="${Math.ceil(graph.width + 200)}"`);
  });

  it('renders every node and edge into the SVG', () => {
    const svg = flowGraphSvg(graph);
    expect(svg.match(/<g class="node/g)).toHaveLength(7);
    expect(svg.match(/<path class="edge/g)).toHaveLength(7);
    expect(svg.match(/<path class="edge bad"/g)).toHaveLength(1);
    expect(svg).toContain('<g class="node trigger"');
    expect(svg).toMatch(/<g class="node trigger">.*?<text [^>]*>trigger<\/text>/);
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
    expect(graph.nodes.map((node) => [node.id, node.kind, node.state])).toEqual([
      [TRIGGER_NODE, 'trigger', undefined],
      ['compile', 'task', 'good'],
      ['test', 'task', 'running'],
      ['both', 'merge', 'waiting'],
    ]);
    expect(graph.edges).toHaveLength(4);
    const svg = flowGraphSvg(graph);
    expect(svg).toContain('<g class="node task state-running">');
    expect(svg).toContain('exec · running');
  });
});

describe('edge colours', () => {
  it('draws an exit-code edge neither good nor bad: its code alone does not say (docs/floe-yaml.md "Events")', () => {
    const flow = parseFloeFile(`id: f
tasks:
  - { id: lint, type: exec, listen: trigger.good, use-status: true, opts: { cmd: lint } }
  - { id: fix, type: exec, listen: task.lint.0, opts: { cmd: fix } }
  - { id: oops, type: exec, listen: task.lint.error, opts: { cmd: oops } }
`).flows[0];
    if (!flow) throw new Error('fixture does not parse');
    const svg = flowGraphSvg(flowGraph(flow));
    expect(svg.match(/<path class="edge [a-z]+"/g)).toEqual([
      '<path class="edge good"',
      '<path class="edge status"',
      '<path class="edge bad"',
    ]);
  });
});

describe('the graph of a matrix task', () => {
  const MATRIX = `id: m
tasks:
  - {id: test, type: exec, listen: trigger.good, opts: {cmd: make}, matrix: {axes: {node: [18, 20], pg: [15, 16]}}}
  - {id: only, type: exec, listen: task.test~node-20~pg-16.bad, opts: {cmd: make}}
`;
  const flow = parseFloeFile(MATRIX).flows[0];
  if (!flow) throw new Error('fixture does not parse');

  it('draws the task as one box counting its combinations, a listener of one hanging off it', () => {
    const graph = flowGraph(flow);
    expect(graph.nodes.map((node) => node.id)).toEqual([TRIGGER_NODE, 'test', 'only']);
    expect(graph.edges.map((edge) => `${edge.from}>${edge.to}`)).toEqual([`${TRIGGER_NODE}>test`, 'test>only']);
    expect(flowGraphSvg(graph)).toContain('>exec · 4 combinations</text>');
  });

  it("counts a run's good combinations in the box", () => {
    const nodes = flow.tasks.map((node) => ({
      id: node.id,
      type: 'exec',
      state: node.id === 'test~node-18~pg-15' ? ('good' as const) : ('running' as const),
      ...(node.class !== 'merge' && node.listen ? { listen: node.listen } : {}),
      ...(node.class !== 'merge' && node.combination ? { combination: node.combination } : {}),
    }));
    const graph = runGraph({
      id: 'r',
      number: 1,
      flowId: 'm',
      state: 'active',
      repo: 'acme/widgets',
      trigger: { type: 'push' },
      trust: 'trusted',
      createdAt: 0,
      nodes,
    });
    expect(graph.nodes.map((node) => node.id)).toEqual([TRIGGER_NODE, 'test', 'only']);
    expect(flowGraphSvg(graph)).toContain('>1/4 good · running</text>');
  });
});
