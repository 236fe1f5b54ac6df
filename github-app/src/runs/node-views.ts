import { inMatrixOrder, type NodeView, type ResolvedNode, type RunState } from '@floe/shared';

/**
 * Every node of the run's flow, in flow order (each matrix task followed by its combinations), with its state from
 * the engine ('waiting' before the run starts).
 */
export function nodeViews(tasks: ResolvedNode[], engine: RunState | undefined): NodeView[] {
  return inMatrixOrder(tasks).map((node) => nodeView(node, engine));
}

export function nodeView(node: ResolvedNode, engine: RunState | undefined): NodeView {
  const run = engine?.nodes[node.id];
  const isMerge = node.class === 'merge';
  return {
    id: node.id,
    name: node.name,
    type: isMerge ? 'merge' : node.type,
    state: run?.state ?? 'waiting',
    ...(run?.exitCode !== undefined ? { exitCode: run.exitCode } : {}),
    attempt: run?.attempt ?? 0,
    ...(run?.startedAt !== undefined ? { startedAt: run.startedAt } : {}),
    ...(run?.endedAt !== undefined ? { endedAt: run.endedAt } : {}),
    ...(run?.reason !== undefined ? { reason: run.reason } : {}),
    ...(run?.tag !== undefined ? { tag: run.tag } : {}),
    ...(run?.values !== undefined ? { values: run.values } : {}),
    ...(run?.by !== undefined ? { by: run.by } : {}),
    ...(!isMerge && node.type === 'data' && run?.endedAt !== undefined ? { answeredAt: run.endedAt } : {}),
    ...(!isMerge && node.listen !== undefined ? { listen: node.listen } : {}),
    ...(isMerge ? { wait: node.wait } : {}),
    ...(run?.replayed ? { replayed: true } : {}),
    ...(!isMerge && node.type === 'data' && node.opts.form !== undefined ? { form: node.opts.form } : {}),
    ...(!isMerge && node.combination !== undefined ? { combination: node.combination } : {}),
  };
}
