import type { FlowRow, Store } from '../store/store.js';
import { readFlowsAt } from './read-flows-at.js';
import type { RepoSource } from './repo-source.js';

/**
 * Reads the flows of the default branch's head into the store (at hub start, and on demand): the flows list,
 * start forms and the trigger scheduler read this table. Rejects when the repository cannot be read.
 */
export async function refreshFlows(store: Store, source: RepoSource, now: number): Promise<FlowRow[]> {
  const head = await source.head();
  if (!head) {
    await store.upsertRepo({ name: source.name, url: source.cloneUrl, refreshedAt: now });
    await store.replaceFlows(source.name, []);
    return [];
  }
  const read = await readFlowsAt(source, head.sha);
  const rows: FlowRow[] = read.flows.map((flow) => ({
    repo: source.name,
    id: flow.id,
    ver: flow.ver,
    name: flow.name,
    triggers: flow.triggers as unknown as FlowRow['triggers'],
    ...(flow.flow ? { flow: flow.flow } : {}),
    errors: flow.errors,
    sha: head.sha,
    updatedAt: now,
  }));
  await store.upsertRepo({
    name: source.name,
    url: source.cloneUrl,
    defaultRef: head.ref,
    headSha: head.sha,
    refreshedAt: now,
  });
  await store.replaceFlows(source.name, rows);
  return rows;
}
