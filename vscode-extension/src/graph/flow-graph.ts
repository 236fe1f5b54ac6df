// The graph of a flow for the preview: nodes in columns by how many events lie between them and the trigger, and
// an edge for every `listen` and `wait` tag from the node that emits it (DESIGN §3 "Events"). Pure.
import {
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
  column: number;
  row: number;
  /** In a run's graph: the node's state (a class of its box). */
  state?: NodeState;
}

export interface FlowGraph {
  nodes: GraphNode[];
  edges: FlowEdge[];
}

/** A node as the layout needs it: from a flow definition, or from a run's node views (which carry listen/wait). */
export interface GraphInput {
  id: string;
  kind: 'task' | 'merge' | 'end';
  type: string;
  listen?: string | undefined;
  wait?: string[] | undefined;
  state?: NodeState | undefined;
}

/** The graph of a flow as written. */
export function flowGraph(flow: ResolvedFlow): FlowGraph {
  return layoutGraph(
    flow.tasks.map(
      (node): GraphInput =>
        node.class === 'merge'
          ? { id: node.id, kind: 'merge', type: 'merge', wait: node.wait }
          : { id: node.id, kind: node.type === 'end' ? 'end' : 'task', type: node.type, listen: node.listen },
    ),
  );
}

/** The graph of a run, each node with its state (DESIGN §7: a run's graph of nodes coloured by state). */
export function runGraph(run: RunDetail): FlowGraph {
  return layoutGraph(
    run.nodes.map((node): GraphInput => {
      const kind = node.type === 'merge' ? 'merge' : node.type === 'end' ? 'end' : 'task';
      return { id: node.id, kind, type: node.type ?? 'task', listen: node.listen, wait: node.wait, state: node.state };
    }),
  );
}

/** Columns by the longest chain of events from the trigger, rows in input order; an edge per listen and wait tag. */
export function layoutGraph(inputs: readonly GraphInput[]): FlowGraph {
  const edges = flowEdges(inputs);
  // Longest distance from the trigger; the linter rejects cycles, and the bound keeps a cyclic draft finite.
  const column = new Map<string, number>([[TRIGGER_NODE, 0]]);
  for (let pass = 0; pass <= inputs.length; pass += 1) {
    let moved = false;
    for (const edge of edges) {
      const from = column.get(edge.from);
      if (from === undefined) continue;
      if ((column.get(edge.to) ?? -1) < from + 1) {
        column.set(edge.to, from + 1);
        moved = true;
      }
    }
    if (!moved) break;
  }
  const rows = new Map<number, number>();
  const place = (input: {
    id: string;
    kind: GraphNode['kind'];
    type: string;
    state?: NodeState | undefined;
  }): GraphNode => {
    // Nodes nothing reaches go in a last column of their own.
    const at = column.get(input.id) ?? inputs.length + 1;
    const row = rows.get(at) ?? 0;
    rows.set(at, row + 1);
    return {
      id: input.id,
      kind: input.kind,
      type: input.type,
      column: at,
      row,
      ...(input.state ? { state: input.state } : {}),
    };
  };
  const nodes = [place({ id: TRIGGER_NODE, kind: 'trigger', type: 'trigger' })];
  for (const input of inputs) nodes.push(place(input));
  // Close the gap an unreached column leaves.
  const used = [...new Set(nodes.map((node) => node.column))].sort((a, b) => a - b);
  for (const node of nodes) node.column = used.indexOf(node.column);
  return { nodes, edges };
}

const W = 150;
const H = 40;
const GAP_X = 60;
const GAP_Y = 24;

/**
 * The graph as an SVG picture (theme colours come from the webview's CSS variables). `columns` widens the picture
 * to that many columns, so that several graphs on one page, scaled to fit, share one scale (default: its own).
 */
export function flowGraphSvg(graph: FlowGraph, columns = 0): string {
  const x = (node: GraphNode) => 20 + node.column * (W + GAP_X);
  const y = (node: GraphNode) => 20 + node.row * (H + GAP_Y);
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  const width = 40 + Math.max(columns, graphColumns(graph)) * (W + GAP_X);
  const height = 40 + (Math.max(0, ...graph.nodes.map((node) => node.row)) + 1) * (H + GAP_Y);
  const edges = graph.edges.flatMap((edge) => {
    const from = byId.get(edge.from);
    const to = byId.get(edge.to);
    if (!from || !to) return [];
    const [x1, y1, x2, y2] = [x(from) + W, y(from) + H / 2, x(to), y(to) + H / 2];
    const mid = (x1 + x2) / 2;
    return [
      `<path class="edge ${edgeClass(edge)}" d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}" marker-end="url(#arrow)"><title>${escapeXml(edge.tag)}</title></path>`,
    ];
  });
  const boxes = graph.nodes.map(
    (node) =>
      `<g class="node ${node.kind}${node.state ? ` state-${node.state}` : ''}"><rect x="${x(node)}" y="${y(node)}" width="${W}" height="${H}" rx="${node.kind === 'merge' ? 20 : 6}"/>` +
      `<text x="${x(node) + W / 2}" y="${y(node) + 17}">${escapeXml(node.kind === 'trigger' ? 'trigger' : node.id)}</text>` +
      `<text class="type" x="${x(node) + W / 2}" y="${y(node) + 32}">${escapeXml(node.state ? `${node.type} · ${node.state}` : node.type)}</text></g>`,
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>' +
    `${edges.join('')}${boxes.join('')}</svg>`
  );
}

/** How many columns a graph has. */
export function graphColumns(graph: FlowGraph): number {
  return Math.max(0, ...graph.nodes.map((node) => node.column)) + 1;
}

/** Bad and error edges are drawn red; an exit code's is neither good nor bad (docs/floe-yaml.md "Events"). */
function edgeClass(edge: FlowEdge): 'good' | 'bad' | 'status' {
  if (edge.on === 'bad' || edge.on === 'error') return 'bad';
  return /^-?\d+$/.test(edge.on) ? 'status' : 'good';
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch] as string);
}
