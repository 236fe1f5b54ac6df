import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { FLOW_FILE_MAX_BYTES } from '@floe/shared';

/**
 * A file's text under `folder` (a `flow-file` path of `floe run`): undefined when it is not there; rejects when it
 * lies outside the folder (through `..` or a symbolic link) or is larger than a flow-file may be, before reading it.
 */
export async function readFileInside(folder: string, path: string): Promise<string | undefined> {
  let root: string;
  let real: string;
  try {
    root = await realpath(folder);
    real = await realpath(resolve(folder, path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const inside = relative(root, real);
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new Error(`it leads outside ${folder}`);
  }
  const info = await stat(real);
  if (!info.isFile()) throw new Error('it is not a file');
  if (info.size > FLOW_FILE_MAX_BYTES) throw new Error(`it is larger than ${FLOW_FILE_MAX_BYTES / 1024 / 1024} MiB`);
  return readFile(real, 'utf8');
}
