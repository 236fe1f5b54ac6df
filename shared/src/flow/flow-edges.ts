// The edges of a flow's graph, one derivation for every picture of it (the dashboard's run graph, the VS Code
// graphs): an edge for each tag that starts a node, from the node that emits that tag (docs/floe-yaml.md
// "Events"). Pure; the layout is the caller's.
import type { NodeView } from '../api/runs-api.js';
import { parseTag } from './event-tags.js';
import type { ResolvedNode } from './flow-schema.js';

/**
 * The id of the trigger's box, where edges on `trigger.good` start. Not a plausible task id (ids are
 * URL-friendly), so a task called `trigger` keeps a box of its own.
 */
export const TRIGGER_NODE = '@trigger';

/**
 * A node as written in a flow, or as a run shows it (a run's node views carry `listen` and `wait`, and a
 * combination of a matrix task its `combination`).
 */
export type EdgeNode = ResolvedNode | Pick<NodeView, 'id' | 'type' | 'listen' | 'wait' | 'combination'>;

export interface FlowEdge {
  from: string;
  to: string;
  /** The tag that carries the edge, e.g. `task.build.good`. */
  tag: string;
  /**
   * What the edge fires on: `trigger`, `good`, `bad`, `error`, or an exit code (`task.lint.2` of a `use-status`
   * task). An exit code is neither good nor bad here: that follows the task's `good` list. `matrix`: `to` is a
   * combination of the matrix task `from`, which starts it (its `tag` is empty).
   */
  on: string;
}

export interface FlowEdgeOptions {
  /**
   * Matrix tasks drawn as one box, their combinations hidden: an edge from a hidden combination (a node listening
   * to `task.test~node-20.good`) is drawn from its matrix task instead, once. Default: none, every combination
   * drawn, with a `matrix` edge from its task.
   */
  collapsed?: ReadonlySet<string>;
}

/**
 * The edges of a flow, in node order and then tag order. A merge starts on its `wait` tags, any other node on its
 * `listen` tag. A tag draws an edge only from a node that can emit it: `merge.<id>.good` from a merge,
 * `task.<id>.…` from a task that is not an `end` (an `end` task emits nothing); other tags draw nothing. A
 * combination of a matrix task hangs off its task by a `matrix` edge (docs/floe-yaml.md "Matrices"), unless the
 * task is `collapsed`.
 */
export function flowEdges(nodes: readonly EdgeNode[], options: FlowEdgeOptions = {}): FlowEdge[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const collapsed = options.collapsed ?? new Set<string>();
  /** Where a node is drawn: a hidden combination in its matrix task's box. */
  const drawnAs = (id: string): string => {
    const of = matrixOf(byId.get(id));
    return of !== undefined && collapsed.has(of) && byId.has(of) ? of : id;
  };
  const edges: FlowEdge[] = [];
  const seen = new Set<string>();
  const push = (edge: FlowEdge) => {
    const from = drawnAs(edge.from);
    if (from !== edge.from) {
      // Two hidden combinations heard on one tag by one node draw one edge from their box.
      const key = `${from}\n${edge.to}\n${edge.on}`;
      if (seen.has(key)) return;
      seen.add(key);
    }
    edges.push({ ...edge, from });
  };
  for (const node of nodes) {
    const of = matrixOf(node);
    if (of !== undefined && byId.has(of)) {
      if (!collapsed.has(of)) push({ from: of, to: node.id, tag: '', on: 'matrix' });
      continue;
    }
    for (const tag of startTags(node)) {
      const parsed = parseTag(tag);
      if (parsed.kind === 'trigger') {
        push({ from: TRIGGER_NODE, to: node.id, tag, on: 'trigger' });
        continue;
      }
      if (parsed.kind === 'unknown') continue;
      const source = byId.get(parsed.node);
      if (source === undefined) continue;
      if (parsed.kind === 'merge') {
        if (isMerge(source)) push({ from: source.id, to: node.id, tag, on: 'good' });
      } else if (!isMerge(source) && source.type !== 'end') {
        const on = parsed.kind === 'task' ? parsed.outcome : String(parsed.exitCode);
        push({ from: source.id, to: node.id, tag, on });
      }
    }
  }
  return edges;
}

/** The matrix task a combination belongs to; undefined for any other node. */
function matrixOf(node: EdgeNode | undefined): string | undefined {
  return node !== undefined && 'combination' in node ? node.combination?.of : undefined;
}

function isMerge(node: EdgeNode): boolean {
  // A flow's merge has class `merge` (its type is `all` or `any`); a run's node view has type `merge`.
  return ('class' in node && node.class === 'merge') || node.type === 'merge';
}

function startTags(node: EdgeNode): readonly string[] {
  if (isMerge(node)) return ('wait' in node ? node.wait : undefined) ?? [];
  const listen = 'listen' in node ? node.listen : undefined;
  return listen === undefined ? [] : [listen];
}
