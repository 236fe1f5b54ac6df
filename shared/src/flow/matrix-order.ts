// The order in which every picture of a flow or run lists its nodes (the check run's table, `floe run`, the
// dashboard, VS Code): as written, each matrix task followed by its combinations. The resolver puts combinations
// after every written task (resolve-flow.ts), which keeps the linter's positions but is not how a person reads it.

/** A node as a flow or a run's view has it: a combination names its matrix task in `combination.of`. */
export type OrderedNode = { id: string; combination?: { of: string } | undefined };

/** `nodes` with each combination moved right after its matrix task (in their own order). Pure. */
export function inMatrixOrder<T extends OrderedNode>(nodes: readonly T[]): T[] {
  const byMatrix = new Map<string, T[]>();
  for (const node of nodes) {
    const of = combinationOf(node);
    if (of === undefined) continue;
    const list = byMatrix.get(of);
    if (list) list.push(node);
    else byMatrix.set(of, [node]);
  }
  const ids = new Set(nodes.map((node) => node.id));
  const out: T[] = [];
  for (const node of nodes) {
    const of = combinationOf(node);
    // A combination whose matrix task is missing (never in a resolved flow) keeps its place.
    if (of !== undefined && ids.has(of)) continue;
    out.push(node, ...(byMatrix.get(node.id) ?? []));
  }
  return out;
}

function combinationOf(node: OrderedNode): string | undefined {
  return 'combination' in node ? node.combination?.of : undefined;
}
