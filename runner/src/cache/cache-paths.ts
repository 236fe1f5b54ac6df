import { lstat, realpath } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';

/**
 * The `cache.paths` of a task as relative, normalised paths inside `workspace`, or why one is refused: absolute,
 * climbing out with `..`, or reached through a symbolic link (a checkout may hold `node_modules -> /etc`, and the
 * runner packs and unpacks outside the sandbox). A path that does not exist yet is fine. Never throws.
 */
export async function cachePaths(
  workspace: string,
  paths: string | string[],
): Promise<{ paths: string[] } | { error: string }> {
  const out: string[] = [];
  const realRoot = await realpath(workspace);
  for (const given of typeof paths === 'string' ? [paths] : paths) {
    const path = normalize(given.replace(/^\{\{ws\}\}\/?/, '')).replace(/\/+$/, '');
    if (isAbsolute(path) || path === '..' || path.startsWith(`..${sep}`) || path === '.' || path === '')
      return { error: `cache path ${JSON.stringify(given)} must name something inside the workspace` };
    // Every existing component is a real directory (or, the last, a file or directory), never a link.
    let at = workspace;
    for (const part of path.split(sep)) {
      at = join(at, part);
      const info = await lstat(at).catch(() => undefined);
      if (!info) break;
      if (info.isSymbolicLink())
        return {
          error: `cache path ${JSON.stringify(given)} goes through the symbolic link ${relative(workspace, at)}`,
        };
    }
    const real = await realpath(join(workspace, path)).catch(() => undefined);
    if (real !== undefined && relative(realRoot, real).startsWith('..'))
      return { error: `cache path ${JSON.stringify(given)} leaves the workspace` };
    out.push(path);
  }
  return { paths: [...new Set(out)] };
}

/** Whether archive entry `entry` (normalised, relative) is one of `paths` or inside one. */
export function isUnder(paths: readonly string[], entry: string): boolean {
  return paths.some((path) => entry === path || entry.startsWith(`${path}/`));
}
