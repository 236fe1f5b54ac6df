import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { constants, copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { TaskOutcome } from '@floe/shared';
import { type HttpResponse, httpGet, isPublicAddress } from '@floe/shared/node';
import { resolveInWorkspace } from '../workspace/resolve-in-workspace.js';
import { fetchArtifact } from './fetch-artifact.js';
import { sysLine } from './sys-line.js';
import type { TaskContext, TaskOf } from './task-context.js';

type Algo = 'sha256' | 'sha1' | 'md5';
const HEX_LENGTH: Record<Algo, number> = { sha256: 64, sha1: 40, md5: 32 };

/** How often a progress line may be logged while downloading. */
const PROGRESS_EVERY_MS = 1_000;

/**
 * The fetch task (the original's, its bugs fixed: docs/floe-yaml.md "Coming from floe"): downloads `url` with Node's
 * fetch, streaming to a temporary file in `ctx.cacheDir` while hashing, then copies it to `location` in the workspace.
 * - `checksum` is `<hex>` or `<hex> <file name>`; `checksum-algo` is sha256, sha1 or md5, inferred from the hex
 *   length (64/40/32) when absent. A mismatch is an error naming both digests. A verified file is cached under
 *   its digest, and a later fetch with the same checksum does not touch the network. Without a checksum the file
 *   is always downloaded, with a warning that it cannot be verified.
 * - `location`: empty → `<ws>/<file name>`; ending in `/` → that directory plus the file name; relative →
 *   relative to the workspace (the original resolved it from its own working directory); `{{ws}}`/`./`/`.`
 *   expanded; it may not leave the workspace. Parent directories are created. The file is copied (a reflink
 *   where the filesystem can), not hard-linked: a task editing its copy must not corrupt the cache.
 * - The file name is the checksum's, else the server's Content-Disposition, else the URL's last segment.
 * - In an untrusted run (docs/security.md) the URL, and every redirect, must reach a public address: loopback,
 *   private and link-local ones (the runner's own services, cloud metadata) are refused before connecting.
 * Resolves `exited 0`, `error` (HTTP status, network failure, bad checksum, bad location) or `cancelled`.
 * With `artifact` instead of `url`, it takes another run's artifact (fetch-artifact.ts).
 */
export async function executeFetch(ctx: TaskContext, task: TaskOf<'fetch'>): Promise<TaskOutcome> {
  if (task.opts.artifact) return fetchArtifact(ctx, task.opts.artifact, task.opts.location);
  const { url } = task.opts;
  if (url === undefined) return { kind: 'error', message: 'fetch needs `url` or `artifact`' };
  let expected: { algo: Algo; hex: string; name?: string } | undefined;
  if (task.opts.checksum !== undefined) {
    const parsed = parseChecksum(task.opts.checksum, task.opts['checksum-algo']);
    if ('message' in parsed) return { kind: 'error', message: parsed.message };
    expected = parsed;
  }
  const cacheEntry = expected && join(ctx.cacheDir, `${expected.algo}-${expected.hex}`);
  let tempDir: string | undefined; // the download's own directory under <cacheDir>/tmp, removed in any case
  try {
    let source = cacheEntry && (await cachedFile(cacheEntry));
    if (source) {
      sysLine(ctx, `using the cached download of ${url} (${expected?.algo} ${expected?.hex})`);
    } else {
      if (!expected) sysLine(ctx, `warning: ${url} has no checksum, so the download cannot be verified`);
      const result = await download(ctx, url, expected?.algo ?? 'sha256');
      if ('kind' in result) return result;
      tempDir = dirname(result.file);
      if (expected && result.hex !== expected.hex) {
        return {
          kind: 'error',
          message: `checksum mismatch for ${url}: expected ${expected.algo} ${expected.hex}, got ${result.hex}`,
        };
      }
      const name = safeName(expected?.name ?? result.name);
      if (cacheEntry) {
        // Made aside and renamed, so that a half-written entry is never taken for a cached file.
        const staging = `${cacheEntry}.${randomUUID()}`;
        await mkdir(staging, { recursive: true });
        await rename(result.file, join(staging, name));
        await rename(staging, cacheEntry).catch(async () => rm(staging, { recursive: true, force: true }));
        source = await cachedFile(cacheEntry);
        if (!source) return { kind: 'error', message: `cannot store the download of ${url} in ${ctx.cacheDir}` };
      } else {
        source = join(tempDir, name);
        await rename(result.file, source);
      }
    }

    const name = basename(source);
    const location = task.opts.location ?? '';
    const wanted = location === '' ? name : location.endsWith('/') ? `${location}${name}` : location;
    const inside = await resolveInWorkspace(ctx.workspace, wanted, 'location');
    if (!inside.ok) return { kind: 'error', message: inside.message };
    await mkdir(dirname(inside.path), { recursive: true, mode: 0o700 });
    await rm(inside.path, { force: true });
    await copyFile(source, inside.path, constants.COPYFILE_FICLONE);
    sysLine(ctx, `saved to ${inside.path}`);
    return { kind: 'exited', exitCode: 0 };
  } catch (err) {
    return { kind: 'error', message: `fetch of ${url} failed: ${(err as Error).message}` };
  } finally {
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  }
}

/** `<hex>` or `<hex> <file name>`, checked against the algorithm (given, or inferred from the length). */
function parseChecksum(
  text: string,
  given: Algo | undefined,
): { algo: Algo; hex: string; name?: string } | { message: string } {
  const [hexPart = '', ...rest] = text.trim().split(/\s+/);
  const hex = hexPart.toLowerCase();
  const algo = given ?? (Object.keys(HEX_LENGTH) as Algo[]).find((candidate) => HEX_LENGTH[candidate] === hex.length);
  if (!algo) {
    return { message: `checksum ${hexPart} is not a sha256, sha1 or md5 hex digest (64, 40 or 32 hex digits)` };
  }
  if (!/^[0-9a-f]+$/.test(hex) || hex.length !== HEX_LENGTH[algo]) {
    return { message: `checksum ${hexPart} is not a ${algo} hex digest (${HEX_LENGTH[algo]} hex digits)` };
  }
  const name = rest.join(' ').replace(/^\*/, '');
  return name ? { algo, hex, name } : { algo, hex };
}

/** The one file of a complete cache entry, or undefined. */
async function cachedFile(entry: string): Promise<string | undefined> {
  const names = await readdir(entry).catch(() => []);
  return names.length === 1 && names[0] ? join(entry, names[0]) : undefined;
}

async function download(
  ctx: TaskContext,
  url: string,
  algo: Algo,
): Promise<{ file: string; hex: string; name: string } | TaskOutcome> {
  sysLine(ctx, `downloading ${url}`);
  let response: HttpResponse;
  try {
    response = await httpGet(url, {
      signal: ctx.signal,
      ...(ctx.run.trust === 'untrusted'
        ? { allowAddress: (address: string) => isPublicAddress(address), refusedAs: 'not a public address' }
        : {}),
    });
  } catch (err) {
    if (ctx.signal.aborted) return { kind: 'cancelled' };
    const e = err as { code?: string; message?: string };
    return { kind: 'error', message: `download of ${url} failed: ${e.code ?? e.message ?? String(err)}` };
  }
  if (response.status < 200 || response.status > 299) {
    response.body.destroy();
    return {
      kind: 'error',
      message: `download of ${url} failed: HTTP ${response.status} ${response.statusText}`.trim(),
    };
  }
  const total = Number(response.headers['content-length']) || undefined;
  sysLine(ctx, `HTTP ${response.status}${total === undefined ? '' : `, ${total} bytes`}`);
  const tmp = join(ctx.cacheDir, 'tmp', randomUUID());
  await mkdir(tmp, { recursive: true, mode: 0o700 });
  const file = join(tmp, 'download');
  const hash = createHash(algo);
  const out = createWriteStream(file);
  let done = 0;
  // On a timer rather than per piece, so that a stalled download still says where it is.
  const progress = setInterval(() => {
    sysLine(ctx, total ? `${done} / ${total} bytes (${Math.floor((done * 100) / total)}%)` : `${done} bytes`);
  }, PROGRESS_EVERY_MS);
  try {
    for await (const piece of response.body) {
      const bytes = piece as Uint8Array;
      hash.update(bytes);
      done += bytes.length;
      if (!out.write(bytes)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  } catch (err) {
    clearInterval(progress);
    out.destroy();
    await rm(tmp, { recursive: true, force: true });
    if (ctx.signal.aborted) return { kind: 'cancelled' };
    return { kind: 'error', message: `download of ${url} failed after ${done} bytes: ${(err as Error).message}` };
  }
  clearInterval(progress);
  sysLine(ctx, `downloaded ${done} bytes`);
  const disposition = response.headers['content-disposition'];
  return { file, hex: hash.digest('hex'), name: fileName(url, disposition ?? null) };
}

function fileName(url: string, disposition: string | null): string {
  const fromHeader = disposition && /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1];
  if (fromHeader) return decodeURIComponent(fromHeader);
  const last = new URL(url).pathname.split('/').filter(Boolean).at(-1);
  return last ? decodeURIComponent(last) : 'download';
}

/** A file name that stays one path segment. */
function safeName(name: string): string {
  const safe = basename(name.replace(/\\/g, '/'));
  return safe === '' || safe === '.' || safe === '..' ? 'download' : safe;
}
