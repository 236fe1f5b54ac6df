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

/** A node as written in a flow, or as a run shows it (a run's node views carry `listen` and `wait`). */
export type EdgeNode = ResolvedNode | Pick<NodeView, 'id' | 'type' | 'listen' | 'wait'>;

export interface FlowEdge {
  from: string;
  to: string;
  /** The tag that carries the edge, e.g. `task.build.good`. */
  tag: string;
  /**
   * What the edge fires on: `trigger`, `good`, `bad`, `error`, or an exit code (`task.lint.2` of a `use-status`
   * task). An exit code is neither good nor bad here: that follows the task's `good` list.
   */
  on: string;
}

/**
 * The edges of a flow, in node order and then tag order. A merge starts on its `wait` tags, any other node on its
 * `listen` tag. A tag draws an edge only from a node that can emit it: `merge.<id>.good` from a merge,
 * `task.<id>.…` from a task that is not an `end` (an `end` task emits nothing); other tags draw nothing.
 */
export function flowEdges(nodes: readonly EdgeNode[]): FlowEdge[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const edges: FlowEdge[] = [];
  for (const node of nodes) {
    for (const tag of startTags(node)) {
      const parsed = parseTag(tag);
      if (parsed.kind === 'trigger') {
        edges.push({ from: TRIGGER_NODE, to: node.id, tag, on: 'trigger' });
        continue;
      }
      if (parsed.kind === 'unknown') continue;
      const source = byId.get(parsed.node);
      if (source === undefined) continue;
      if (parsed.kind === 'merge') {
        if (isMerge(source)) edges.push({ from: source.id, to: node.id, tag, on: 'good' });
      } else if (!isMerge(source) && source.type !== 'end') {
        const on = parsed.kind === 'task' ? parsed.outcome : String(parsed.exitCode);
        edges.push({ from: source.id, to: node.id, tag, on });
      }
    }
  }
  return edges;
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
