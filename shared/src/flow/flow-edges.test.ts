// Before this derivation the dashboard and the VS Code extension each had one, and they disagreed; the tests
// marked "was:" pin the rule chosen from docs/floe-yaml.md "Events", "Tasks" and "Merges".
import { describe, expect, it } from 'vitest';
import type { NodeView } from '../api/runs-api.js';
import { type EdgeNode, flowEdges, TRIGGER_NODE } from './flow-edges.js';
import type { ResolvedNode } from './flow-schema.js';
import { parseFloeFile } from './parse-floe-file.js';

function flowNodes(yaml: string): ResolvedNode[] {
  const flow = parseFloeFile(yaml).flows[0];
  if (!flow) throw new Error('the fixture does not parse');
  return flow.tasks;
}

const edgesOf = (nodes: readonly EdgeNode[]) => flowEdges(nodes).map((edge) => `${edge.from} -${edge.on}-> ${edge.to}`);

const view = (id: string, extra: Partial<NodeView> = {}): NodeView => ({ id, state: 'waiting', ...extra });

describe('flowEdges', () => {
  const FLOW = `id: build
tasks:
  - { id: checkout, type: git-checkout, listen: trigger.good }
  - { id: compile, type: exec, listen: task.checkout.good, opts: { cmd: make } }
  - { id: lint, type: exec, listen: task.checkout.good, use-status: true, opts: { cmd: make lint } }
  - { id: both, class: merge, wait: [task.compile.good, task.lint.0] }
  - { id: report, type: exec, listen: task.compile.bad, opts: { cmd: echo broken } }
  - { id: oops, type: exec, listen: task.compile.error, opts: { cmd: echo oops } }
  - { id: done, type: end, listen: merge.both.good }
`;

  it('draws an edge for every listen and wait tag, from the node that emits it, with what it fires on', () => {
    expect(flowEdges(flowNodes(FLOW))).toEqual([
      { from: TRIGGER_NODE, to: 'checkout', tag: 'trigger.good', on: 'trigger' },
      { from: 'checkout', to: 'compile', tag: 'task.checkout.good', on: 'good' },
      { from: 'checkout', to: 'lint', tag: 'task.checkout.good', on: 'good' },
      { from: 'compile', to: 'both', tag: 'task.compile.good', on: 'good' },
      { from: 'lint', to: 'both', tag: 'task.lint.0', on: '0' },
      { from: 'compile', to: 'report', tag: 'task.compile.bad', on: 'bad' },
      { from: 'compile', to: 'oops', tag: 'task.compile.error', on: 'error' },
      { from: 'both', to: 'done', tag: 'merge.both.good', on: 'good' },
    ]);
  });

  it("gives a run's node views the same edges as the flow they come from", () => {
    const views = flowNodes(FLOW).map((node) =>
      node.class === 'merge'
        ? view(node.id, { type: 'merge', wait: node.wait })
        : view(node.id, { type: node.type, ...(node.listen ? { listen: node.listen } : {}) }),
    );
    expect(flowEdges(views)).toEqual(flowEdges(flowNodes(FLOW)));
  });

  it('was: an exit code 0 edge good and any other bad (VS Code); now the code itself, as the dashboard drew it', () => {
    // docs/floe-yaml.md "Events": whether `task.<id>.<exit-code>` counts as good follows the task's `good` list, so
    // `good: [1]` makes `task.lint.1` the good one; the code alone says neither.
    const nodes = flowNodes(`id: f
tasks:
  - { id: lint, type: exec, listen: trigger.good, use-status: true, good: [1], opts: { cmd: lint } }
  - { id: fine, type: exec, listen: task.lint.1, opts: { cmd: echo fine } }
  - { id: fix, type: exec, listen: task.lint.0, opts: { cmd: echo fix } }
`);
    expect(edgesOf(nodes)).toEqual(['@trigger -trigger-> lint', 'lint -1-> fine', 'lint -0-> fix']);
  });

  it('was: the trigger box had the id `trigger` (VS Code), so a task called `trigger` merged with it', () => {
    const nodes = flowNodes(`id: f
tasks:
  - { id: trigger, type: exec, listen: trigger.good, opts: { cmd: echo first } }
  - { id: next, type: exec, listen: task.trigger.good, opts: { cmd: echo next } }
`);
    expect(edgesOf(nodes)).toEqual([`${TRIGGER_NODE} -trigger-> trigger`, 'trigger -good-> next']);
  });

  it("was: any node's `wait` tags instead of its `listen` (dashboard); now a merge waits, a task listens", () => {
    const views = [
      view('a', { type: 'exec', listen: 'trigger.good' }),
      view('b', { type: 'exec', listen: 'trigger.good' }),
      view('task', { type: 'exec', listen: 'task.a.good', wait: ['task.b.good'] }),
      view('merge', { type: 'merge', listen: 'task.a.good', wait: ['task.b.good'] }),
    ];
    expect(edgesOf(views).slice(2)).toEqual(['a -good-> task', 'b -good-> merge']);
  });

  it('draws nothing for a tag its node cannot emit: a merge tag of a task, a task tag of a merge or an end', () => {
    // Both old rules drew these (they only looked the id up); the linter warns `listen-never-emitted` and the
    // engine never fires them, so an edge would show a path no run can take.
    const nodes = flowNodes(`id: f
tasks:
  - { id: a, type: exec, listen: trigger.good, opts: { cmd: a } }
  - { id: m, class: merge, wait: [task.a.good] }
  - { id: end, type: end, listen: task.a.bad }
  - { id: x, type: exec, listen: merge.a.good, opts: { cmd: x } }
  - { id: y, type: exec, listen: task.m.good, opts: { cmd: y } }
  - { id: z, type: exec, listen: task.end.good, opts: { cmd: z } }
`);
    expect(edgesOf(nodes)).toEqual(['@trigger -trigger-> a', 'a -good-> m', 'a -bad-> end']);
  });

  it('draws nothing for a tag that names no node or is not a tag', () => {
    const views = [
      view('a', { type: 'exec', listen: 'task.ghost.good' }),
      view('b', { type: 'exec', listen: 'trigger.bad' }),
      view('c', { type: 'merge', wait: ['merge.ghost.good', 'nonsense'] }),
      view('d', { type: 'exec' }),
    ];
    expect(flowEdges(views)).toEqual([]);
  });

  describe('of a matrix task', () => {
    const MATRIX = `id: m
tasks:
  - { id: test, type: exec, listen: trigger.good, opts: { cmd: make }, matrix: { axes: { node: [18, 20] } } }
  - { id: after, type: exec, listen: task.test.good, opts: { cmd: make } }
  - { id: only20, type: exec, listen: task.test~node-20.bad, opts: { cmd: make } }
  - { id: only18, type: exec, listen: task.test~node-18.bad, opts: { cmd: make } }
`;

    it('hangs each combination off its task, and draws a listener of one combination from it', () => {
      expect(edgesOf(flowNodes(MATRIX))).toEqual([
        '@trigger -trigger-> test',
        'test -good-> after',
        'test~node-20 -bad-> only20',
        'test~node-18 -bad-> only18',
        'test -matrix-> test~node-18',
        'test -matrix-> test~node-20',
      ]);
    });

    it('draws a collapsed task as one box: its combinations’ edges come from it, each once', () => {
      const nodes = flowNodes(MATRIX);
      const collapsed = flowEdges(nodes, { collapsed: new Set(['test']) }).map((e) => `${e.from} -${e.on}-> ${e.to}`);
      expect(collapsed).toEqual([
        '@trigger -trigger-> test',
        'test -good-> after',
        'test -bad-> only20',
        'test -bad-> only18',
      ]);
      const merged = flowNodes(`id: m
tasks:
  - { id: test, type: exec, listen: trigger.good, opts: { cmd: make }, matrix: { axes: { node: [18, 20] } } }
  - { id: any, class: merge, type: any, wait: [task.test~node-18.bad, task.test~node-20.bad] }
`);
      expect(flowEdges(merged, { collapsed: new Set(['test']) }).map((e) => `${e.from} -${e.on}-> ${e.to}`)).toEqual([
        '@trigger -trigger-> test',
        'test -bad-> any',
      ]);
    });

    it('reads combinations from a run’s node views as from a flow', () => {
      const nodes = [
        view('test', { type: 'exec', listen: 'trigger.good' }),
        view('test~a-1', { type: 'exec', combination: { of: 'test', values: { a: '1' } } }),
      ];
      expect(edgesOf(nodes)).toEqual(['@trigger -trigger-> test', 'test -matrix-> test~a-1']);
    });
  });
});
