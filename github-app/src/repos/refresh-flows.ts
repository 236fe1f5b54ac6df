import type { Logger } from 'pino';
import type { FlowRow, Store } from '../store/store.js';
import type { FlowsAt } from './read-flows-at.js';
import type { RepoSource } from './repo-source.js';

/**
 * Reads the flows of the default branch's head into the store (at hub start, and on demand): the flows list,
 * start forms and the trigger scheduler read this table. Rejects when the repository cannot be read.
 */
export async function refreshFlows(
  store: Store,
  source: RepoSource,
  now: number,
  readFlows: (source: RepoSource, sha: string, only?: string) => Promise<FlowsAt>,
  log?: Logger,
): Promise<FlowRow[]> {
  const head = await source.head();
  if (!head) {
    await store.upsertRepo({ name: source.name, url: source.cloneUrl, refreshedAt: now });
    await store.replaceFlows(source.name, []);
    return [];
  }
  const read = await readFlows(source, head.sha);
  // Errors that belong to no flow (the file is not YAML…) leave no flow to show them on: say them here.
  if (read.fileErrors.length > 0)
    log?.warn({ repo: source.name, sha: head.sha, errors: read.fileErrors }, 'FLOE.yaml has errors');
  if (!read.found) log?.info({ repo: source.name, sha: head.sha }, 'no FLOE.yaml on the default branch');
  const rows: FlowRow[] = read.flows.map((flow) => ({
    repo: source.name,
    id: flow.id,
    ver: flow.ver,
    name: flow.name,
    triggers: flow.triggers,
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
