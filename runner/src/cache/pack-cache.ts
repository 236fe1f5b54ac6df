import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type RunSandbox, sandboxArgv } from '../process/task-sandbox.js';

/**
 * Streams a tar archive (POSIX format) of `paths` (relative, checked by cachePaths) of `workspace` into `into`;
 * paths that do not exist are left out (the caller says so in the log). Symbolic links are stored as links, never
 * followed. The archive is made by the system's GNU `tar`: `pnpm bench cache` measured the npm `tar` library 17
 * times tar's CPU time packing 50,000 small files (the library still unpacks, where its filters guard the
 * workspace: unpack-cache.ts).
 *
 * With `run` (the run's sandbox) on a root runner giving tasks their own user, `tar` runs as that user in the run's
 * sandbox: another task of the run may be swapping a folder for a link to a root-only file while the archive is
 * made, and the task user cannot read what it swaps in. Otherwise tasks run as the runner's own user, who may read
 * it all anyway. Aborting `signal` stops it midway (the store then keeps nothing); tar failing rejects.
 */
export async function packCache(
  workspace: string,
  paths: readonly string[],
  into: NodeJS.WritableStream,
  run?: RunSandbox,
  signal?: AbortSignal,
): Promise<{ packed: string[]; missing: string[] }> {
  const packed: string[] = [];
  const missing: string[] = [];
  for (const path of paths)
    await access(join(workspace, path)).then(
      () => packed.push(path),
      () => missing.push(path),
    );
  if (packed.length === 0) {
    into.end();
    return { packed, missing };
  }
  const tar = ['tar', '--create', '--file=-', '--format=posix', `--directory=${workspace}`, '--', ...packed];
  const [command, ...args] = run?.sandbox.user
    ? sandboxArgv(run, tar, { statusFd: undefined, blockFd: undefined })
    : tar;
  const child = spawn(command as string, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await pipeline(child.stdout, into, ...(signal ? [{ signal }] : []));
  const code = await exited;
  if (code !== 0) throw new Error(`tar exited ${code}: ${stderr.trim().split('\n').slice(-2).join(' ')}`);
  return { packed, missing };
}
