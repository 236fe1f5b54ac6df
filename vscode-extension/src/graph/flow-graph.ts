// The graph of a flow for the preview and of a run: an edge for every `listen` and `wait` tag from the node that
// emits it (`flowEdges`, the dashboard's derivation too), laid out by dagre as the dashboard's run graph is. Pure.
import { type EdgeLabel, Graph, layout } from '@dagrejs/dagre';
import {
  type CombinationOf,
  type FlowEdge,
  flowEdges,
  type NodeState,
  type ResolvedFlow,
  type RunDetail,
  TRIGGER_NODE,
} from '@floe/shared';

export interface GraphNode {
  id: string;
  kind: 'trigger' | 'task' | 'merge' | 'end';
  /** The task type (`exec`, `data`, …), `merge` or `trigger`. */
  type: string;
  /** The box's top-left corner. */
  x: number;
  y: number;
  /** In a run's graph: the node's state (a class of its box). */
  state?: NodeState;
  /** A matrix task: how many combinations it has, and in a run's graph how many of them are good. */
  matrix?: { combinations: number; good?: number };
}

export interface GraphEdge extends FlowEdge {
  /** The edge's route, from dagre. */
  points: Array<{ x: number; y: number }>;
}

export interface FlowGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  width: number;
  height: number;
}

/** A node as the layout needs it: from a flow definition, or from a run's node views (which carry listen/wait). */
export interface GraphInput {
  id: string;
  kind: GraphNode['kind'];
  type: string;
  listen?: string | undefined;
  wait?: string[] | undefined;
  state?: NodeState | undefined;
  /** A combination of a matrix task: drawn inside its task's box (docs/floe-yaml.md "Matrices"). */
  combination?: CombinationOf | undefined;
}

/** The graph of a flow as written. */
export function flowGraph(flow: ResolvedFlow): FlowGraph {
  return layoutGraph(
    flow.tasks.map(
      (node): GraphInput =>
        node.class === 'merge'
          ? { id: node.id, kind: 'merge', type: 'merge', wait: node.wait }
          : {
              id: node.id,
              kind: node.type === 'end' ? 'end' : 'task',
              type: node.type,
              listen: node.listen,
              combination: node.combination,
            },
    ),
  );
}

/** The graph of a run, each node with its state (DESIGN §7: a run's graph of nodes coloured by state). */
export function runGraph(run: RunDetail): FlowGraph {
  return layoutGraph(
    run.nodes.map((node): GraphInput => {
      const kind = node.type === 'merge' ? 'merge' : node.type === 'end' ? 'end' : 'task';
      return {
        id: node.id,
        kind,
        type: node.type ?? 'task',
        listen: node.listen,
        wait: node.wait,
        state: node.state,
        combination: node.combination,
      };
    }),
  );
}

/**
 * Lays the nodes out left to right with dagre, the trigger first; an edge per listen and wait tag (`flowEdges`). A
 * matrix task is one box, its combinations counted in it (a picture of up to 256 of them side by side reads
 * worse than the count; the dashboard's graph opens them); a listener of one combination hangs off the box.
 */
export function layoutGraph(inputs: readonly GraphInput[]): FlowGraph {
  const graph = new Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'LR', nodesep: GAP_Y, ranksep: GAP_X, marginx: MARGIN, marginy: MARGIN });
  graph.setDefaultEdgeLabel(() => ({}));
  const matrices = new Map<string, GraphInput[]>();
  for (const input of inputs) {
    if (!input.combination) continue;
    const list = matrices.get(input.combination.of);
    if (list) list.push(input);
    else matrices.set(input.combination.of, [input]);
  }
  const edges = flowEdges(inputs, { collapsed: new Set(matrices.keys()) });
  const all: GraphInput[] = [
    { id: TRIGGER_NODE, kind: 'trigger', type: 'trigger' },
    ...inputs.filter((input) => !input.combination || !matrices.has(input.combination.of)),
  ];
  for (const input of all) graph.setNode(input.id, { width: W, height: H });
  edges.forEach((edge, index) => {
    graph.setEdge(edge.from, edge.to, {}, `e${index}`);
  });
  layout(graph);
  const nodes = all.map((input): GraphNode => {
    const placed = graph.node(input.id);
    return {
      id: input.id,
      kind: input.kind,
      type: input.type,
      // dagre gives centres; the picture draws boxes from their top-left corner.
      x: (placed.x ?? 0) - W / 2,
      y: (placed.y ?? 0) - H / 2,
      ...(input.state ? { state: input.state } : {}),
      ...matrixOf(matrices.get(input.id)),
    };
  });
  const laidEdges = edges.map((edge, index) => {
    const label = graph.edge({ v: edge.from, w: edge.to, name: `e${index}` }) as EdgeLabel | undefined;
    return { ...edge, points: (label?.points ?? []).map((p) => ({ x: p.x, y: p.y })) };
  });
  const size = graph.graph();
  return { nodes, edges: laidEdges, width: size.width ?? 0, height: size.height ?? 0 };
}

function matrixOf(combinations: GraphInput[] | undefined): Pick<GraphNode, 'matrix'> {
  if (!combinations) return {};
  const states = combinations.map((combination) => combination.state).filter((state) => state !== undefined);
  const good = states.filter((state) => state === 'good').length;
  return { matrix: { combinations: combinations.length, ...(states.length > 0 ? { good } : {}) } };
}

/** The second line of a box: its type, and its state in a run; a matrix task's combinations. */
function subtitle(node: GraphNode): string {
  if (node.matrix) {
    const { combinations, good } = node.matrix;
    return good === undefined
      ? `${node.type} · ${combinations} combinations`
      : `${good}/${combinations} good · ${node.state}`;
  }
  return node.state ? `${node.type} · ${node.state}` : node.type;
}

const W = 150;
const H = 40;
const GAP_X = 60;
const GAP_Y = 24;
const MARGIN = 20;

/**
 * The graph as an SVG picture (theme colours come from the webview's CSS variables). `width` widens the picture,
 * so that several graphs on one page, scaled to fit, share one scale (default: its own width).
 */
export function flowGraphSvg(graph: FlowGraph, width = 0): string {
  const w = Math.ceil(Math.max(width, graph.width));
  const h = Math.ceil(graph.height);
  const edges = graph.edges
    .filter((edge) => edge.points.length >= 2)
    .map(
      (edge) =>
        `<path class="edge ${edgeClass(edge)}" d="${pathOf(edge.points)}" marker-end="url(#arrow)"><title>${escapeXml(edge.tag)}</title></path>`,
    );
  const boxes = graph.nodes.map(
    (node) =>
      `<g class="node ${node.kind}${node.state ? ` state-${node.state}` : ''}"><rect x="${node.x}" y="${node.y}" width="${W}" height="${H}" rx="${node.kind === 'merge' ? 20 : 6}"/>` +
      `<text x="${node.x + W / 2}" y="${node.y + 17}">${escapeXml(node.kind === 'trigger' ? 'trigger' : node.id)}</text>` +
      `<text class="type" x="${node.x + W / 2}" y="${node.y + 32}">${escapeXml(subtitle(node))}</text></g>`,
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">` +
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>' +
    `${edges.join('')}${boxes.join('')}</svg>`
  );
}

function pathOf(points: ReadonlyArray<{ x: number; y: number }>): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}

/** Bad and error edges are drawn red; an exit code's is neither good nor bad (docs/floe-yaml.md "Events"). */
function edgeClass(edge: FlowEdge): 'good' | 'bad' | 'status' {
  if (edge.on === 'bad' || edge.on === 'error') return 'bad';
  return /^-?\d+$/.test(edge.on) ? 'status' : 'good';
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch] as string);
}
