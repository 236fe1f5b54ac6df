import { canEmit } from '../flow/event-tags.js';
import type { ResolvedFlow, ResolvedNode } from '../flow/flow-schema.js';

/** The tags that start a node: a task's one `listen`, a merge's `wait` list. */
export function startTags(node: ResolvedNode): string[] {
  if (node.class === 'merge') return node.wait;
  return node.listen === undefined ? [] : [node.listen];
}

/**
 * `from` and every node downstream of it in the event graph: B is downstream of A when B listens to (or, for a
 * merge, waits on) a tag that A can emit (`canEmit`: good, bad, error or a status code), and downstream is
 * transitive. `trigger.good` belongs to no node, so nothing is downstream of the trigger through it.
 * This is what a retry from `from` runs afresh (DESIGN §8 "Retry"); an unknown `from` gives an empty set.
 */
export function downstreamNodes(flow: ResolvedFlow, from: string): Set<string> {
  const found = new Set<string>();
  if (!flow.tasks.some((node) => node.id === from)) return found;
  found.add(from);
  const todo = [from];
  // A matrix task retried runs all its combinations afresh; a combination retried runs alone, and its matrix task
  // (whose event depends on it) with it, the other combinations replayed (docs/floe-yaml.md "Matrices").
  for (const node of flow.tasks) {
    if (node.class !== 'merge' && node.combination?.of === from) {
      found.add(node.id);
      todo.push(node.id);
    }
  }
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    const source = flow.tasks.find((node) => node.id === id);
    if (!source) continue;
    for (const node of flow.tasks) {
      if (found.has(node.id)) continue;
      const ofMatrix = source.class !== 'merge' && source.combination?.of === node.id;
      if (ofMatrix || startTags(node).some((tag) => canEmit(source, tag))) {
        found.add(node.id);
        todo.push(node.id);
      }
    }
  }
  return found;
}
