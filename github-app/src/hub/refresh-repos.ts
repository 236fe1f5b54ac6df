import { refreshFlows } from '../repos/refresh-flows.js';
import type { HubDeps } from '../runs/hub-deps.js';

/**
 * Re-reads the flows of one repository (or all) from its default branch; with `onlyIfMoved`, only where the
 * branch moved since the last read. A repository that cannot be read is logged and skipped; the others are read.
 * Then `afterRead` (the trigger scheduler's sync: new flows may bring new triggers).
 */
export async function refreshRepos(
  deps: Pick<HubDeps, 'store' | 'sources' | 'now' | 'readFlows' | 'log'>,
  options: { name?: string | undefined; onlyIfMoved?: boolean; afterRead: () => Promise<void> },
): Promise<void> {
  const { store, log } = deps;
  for (const source of deps.sources.list()) {
    if (options.name !== undefined && source.name !== options.name) continue;
    try {
      if (options.onlyIfMoved) {
        const [head, known] = await Promise.all([source.head(), store.getRepo(source.name)]);
        if (head?.sha === known?.headSha) continue;
      }
      const rows = await refreshFlows(store, source, deps.now(), deps.readFlows, log);
      log.info({ repo: source.name, flows: rows.length }, 'flows read');
    } catch (err) {
      log.warn({ err, repo: source.name }, 'could not read the flows of a repository');
    }
  }
  await options.afterRead();
}
