import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { expandWs } from './expand-ws.js';

export type InWorkspace = { ok: true; path: string } | { ok: false; message: string };

/**
 * Where a `sub-dir` or fetch `location` (after `expandWs`) points inside `workspace`: a relative path is taken
 * from the workspace; an absolute path outside it is nested under it for `sub-dir` (the original's rule) and
 * refused for `location` (the original wrote there, outside the workspace). DESIGN §8: no path may leave the
 * workspace — neither lexically (`../x`) nor through a symlink that already exists in it. The message names the
 * option ("sub-dir ../x leaves the workspace"). Never throws.
 */
export async function resolveInWorkspace(
  workspace: string,
  text: string,
  what: 'sub-dir' | 'location',
): Promise<InWorkspace> {
  const expanded = expandWs(text, workspace);
  const root = resolve(workspace);
  let target: string;
  if (!isAbsolute(expanded)) target = resolve(root, expanded);
  else if (isInside(root, resolve(expanded))) target = resolve(expanded);
  else if (what === 'sub-dir') target = resolve(join(root, expanded));
  else target = resolve(expanded);
  const leaves = { ok: false as const, message: `${what} ${text} leaves the workspace` };
  if (!isInside(root, target)) return leaves;
  // A symlink inside the workspace may point out of it: compare real paths of the deepest existing ancestor.
  const realRoot = await realpath(root).catch(() => root);
  let existing = target;
  let rest = '';
  for (;;) {
    const real = await realpath(existing).catch(() => undefined);
    if (real !== undefined) {
      if (!isInside(realRoot, join(real, rest))) return leaves;
      break;
    }
    if (existing === root || dirname(existing) === existing) break;
    rest = join(basename(existing), rest);
    existing = dirname(existing);
  }
  return { ok: true, path: target };
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}
