// The dashboard's URLs (DESIGN §8 "Links and health"): the hub writes `/runs/:runId` and `/flows/:repo/:flowId` into
// check runs and PR replies, so those two are fixed; `repo` may be `owner/name`, so a flow's path is read from both
// ends.

export type Route =
  | { page: 'runs'; query: URLSearchParams }
  | { page: 'run'; runId: string; node: string | undefined; line: number | undefined }
  | { page: 'flows' }
  | { page: 'flow'; repo: string; flowId: string }
  | { page: 'runners' }
  | { page: 'secrets' }
  | { page: 'tokens' }
  | { page: 'audit' }
  | { page: 'not-found'; path: string };

export function parseRoute(url: URL): Route {
  const parts = url.pathname
    .split('/')
    .filter((part) => part !== '')
    .map(decodeURIComponent);
  const [first, ...rest] = parts;
  if (first === undefined || (first === 'runs' && rest.length === 0)) return { page: 'runs', query: url.searchParams };
  if (first === 'runs' && rest.length === 1) {
    const line = Number(url.searchParams.get('line'));
    return {
      page: 'run',
      runId: rest[0] as string,
      node: url.searchParams.get('node') ?? undefined,
      line: Number.isSafeInteger(line) && line > 0 ? line : undefined,
    };
  }
  if (first === 'flows' && rest.length === 0) return { page: 'flows' };
  if (first === 'flows' && rest.length >= 2) {
    return { page: 'flow', repo: rest.slice(0, -1).join('/'), flowId: rest.at(-1) as string };
  }
  if (first === 'runners' && rest.length === 0) return { page: 'runners' };
  if (first === 'secrets' && rest.length === 0) return { page: 'secrets' };
  if (first === 'tokens' && rest.length === 0) return { page: 'tokens' };
  if (first === 'audit' && rest.length === 0) return { page: 'audit' };
  return { page: 'not-found', path: url.pathname };
}

/** A run, a node of it, or a line (from 1) of that node's log. */
export function runPath(runId: string, node?: string, line?: number): string {
  const path = `/runs/${encodeURIComponent(runId)}`;
  if (node === undefined) return path;
  return `${path}?node=${encodeURIComponent(node)}${line === undefined ? '' : `&line=${line}`}`;
}

export function flowPath(repo: string, flowId: string): string {
  return `/flows/${repo.split('/').map(encodeURIComponent).join('/')}/${encodeURIComponent(flowId)}`;
}

/** The runs list with these filters (empty values left out). */
export function runsPath(filters: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
  const query = params.toString();
  return query === '' ? '/runs' : `/runs?${query}`;
}

export const ROUTE_CHANGED = 'floe-route-changed';

/** Goes to `path` within the app (history API); `replace` for changes that should not add a back step. */
export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event(ROUTE_CHANGED));
}
