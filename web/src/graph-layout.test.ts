import { flowEdges, type NodeView, TRIGGER_NODE } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { layoutGraph } from './graph-layout.js';

const node = (id: string, extra: Partial<NodeView> = {}): NodeView => ({ id, state: 'waiting', ...extra });

describe('graph layout', () => {
  const nodes = [
    node('checkout', { listen: 'trigger.good' }),
    node('build', { listen: 'task.checkout.good' }),
    node('test', { listen: 'task.checkout.good' }),
    node('both', { type: 'merge', wait: ['task.build.good', 'task.test.good'] }),
    node('report', { listen: 'task.build.bad' }),
    node('deploy', { listen: 'merge.both.good' }),
    node('status', { listen: 'task.build.3' }),
  ];

  it('lays out the edges of the shared derivation, trigger box included', () => {
    const layout = layoutGraph(nodes);
    expect(layout.edges.map(({ points, ...edge }) => edge)).toEqual(flowEdges(nodes));
    expect(layout.nodes.map((placed) => placed.id)).toEqual([TRIGGER_NODE, ...nodes.map((n) => n.id)]);
  });

  it('lays nodes out left to right along their edges, none overlapping', () => {
    const layout = layoutGraph(nodes);
    const at = new Map(layout.nodes.map((placed) => [placed.id, placed]));
    const x = (id: string) => at.get(id)?.x ?? Number.NaN;
    expect(x(TRIGGER_NODE)).toBeLessThan(x('checkout'));
    expect(x('checkout')).toBeLessThan(x('build'));
    expect(x('build')).toBeLessThan(x('both'));
    expect(x('both')).toBeLessThan(x('deploy'));
    for (const a of layout.nodes) {
      for (const b of layout.nodes) {
        if (a === b) continue;
        const apart =
          Math.abs(a.x - b.x) >= (a.width + b.width) / 2 || Math.abs(a.y - b.y) >= (a.height + b.height) / 2;
        expect(apart, `${a.id} overlaps ${b.id}`).toBe(true);
      }
    }
    expect(layout.edges.every((edge) => edge.points.length >= 2)).toBe(true);
    expect(layout.width).toBeGreaterThan(0);
  });

  it('draws no trigger box when nothing listens to the trigger, and no edge for a tag no node emits', () => {
    const layout = layoutGraph([node('a', { listen: 'task.ghost.good' })]);
    expect(layout.nodes.map((n) => n.id)).toEqual(['a']);
    expect(layout.edges).toEqual([]);
  });
});
