// A run's graph (DESIGN §7): nodes joined by the event edges (`flowEdges`: a node listening to `task.build.good`
// hangs off `build`, a merge off every tag it waits for) laid out by dagre (elkjs alone is over the JS budget).
import { type EdgeLabel, Graph, layout } from '@dagrejs/dagre';
import { type FlowEdge, flowEdges, type NodeView, TRIGGER_NODE } from '@floe/shared';

export interface GraphEdge extends FlowEdge {
  points: Array<{ x: number; y: number }>;
}

export interface PlacedNode {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GraphLayout {
  nodes: PlacedNode[];
  edges: GraphEdge[];
  width: number;
  height: number;
}

export const NODE_WIDTH = 168;
export const NODE_HEIGHT = 44;

/**
 * Lays the run's nodes out left to right; the trigger is drawn only when some node listens to it. A matrix task in
 * `collapsed` is one box, its combinations hidden (docs/floe-yaml.md "Matrices"); default: every node drawn.
 */
export function layoutGraph(nodes: NodeView[], collapsed: ReadonlySet<string> = new Set()): GraphLayout {
  const graph = new Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 56, marginx: 12, marginy: 12 });
  graph.setDefaultEdgeLabel(() => ({}));
  const edges = flowEdges(nodes, { collapsed });
  if (edges.some((edge) => edge.from === TRIGGER_NODE)) {
    graph.setNode(TRIGGER_NODE, { width: 72, height: NODE_HEIGHT });
  }
  for (const node of nodes) {
    if (node.combination && collapsed.has(node.combination.of)) continue;
    graph.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  }
  edges.forEach((edge, index) => {
    graph.setEdge(edge.from, edge.to, {}, `e${index}`);
  });
  layout(graph);
  const placed = graph.nodes().map((id) => {
    const node = graph.node(id);
    return { id, x: node.x ?? 0, y: node.y ?? 0, width: node.width ?? NODE_WIDTH, height: node.height ?? NODE_HEIGHT };
  });
  const laidEdges = edges.map((edge, index) => ({
    ...edge,
    points: ((graph.edge({ v: edge.from, w: edge.to, name: `e${index}` }) as EdgeLabel | undefined)?.points ?? []).map(
      (p) => ({ x: p.x, y: p.y }),
    ),
  }));
  const label = graph.graph();
  return { nodes: placed, edges: laidEdges, width: label.width ?? 0, height: label.height ?? 0 };
}
