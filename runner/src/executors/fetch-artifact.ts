// `fetch` with `opts.artifact` (DESIGN §8 "Artifacts"): another flow's artifact, from its latest good trusted run
// on a ref or from a given run, as the hub chooses it; every file streamed to a temporary file while hashed, checked
// against the sha256 the hub stored, and only then moved into the workspace under `location` (default: its root).
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ArtifactSource, createBackoff, type FetchArtifact, type TaskOutcome } from '@floe/shared';
import { ArtifactEndpoint } from '../artifacts/artifact-endpoint.js';
import { HubFailure } from '../connection/hub-failure.js';
import { retry } from '../connection/retry.js';
import { resolveInWorkspace } from '../workspace/resolve-in-workspace.js';
import { sysLine } from './sys-line.js';
import type { TaskContext } from './task-context.js';

/**
 * Resolves `exited 0` once every file is in place; `error` when there is no hub (`floe run`), the run is untrusted
 * (it takes no other run's artifacts: docs/security.md "Artifacts"), no run qualifies, a file's sha256 differs or a
 * path would leave the workspace; `cancelled` when told to stop.
 */
export async function fetchArtifact(ctx: TaskContext, artifact: FetchArtifact, location = ''): Promise<TaskOutcome> {
  const what = `artifact ${artifact.name} of flow ${artifact.flow}`;
  if (!ctx.artifacts) return { kind: 'error', message: `${what}: only a run on a hub can fetch artifacts` };
  if (ctx.run.trust !== 'trusted')
    return { kind: 'error', message: `${what}: an untrusted run takes no artifacts of other runs` };
  const endpoint = new ArtifactEndpoint(ctx.artifacts);
  const tmp = join(ctx.cacheDir, 'tmp', randomUUID());
  try {
    const source: ArtifactSource = await retry(() => endpoint.source(artifact, ctx.signal), {
      backoff: createBackoff({ maxMs: 10_000 }),
      signal: ctx.signal,
    });
    sysLine(ctx, `${what}: run #${source.runNumber} (${source.runId}), ${source.files.length} files`);
    await mkdir(tmp, { recursive: true, mode: 0o700 });
    for (const file of source.files) {
      const inside = await resolveInWorkspace(
        ctx.workspace,
        join(location === '' ? '.' : location, file.path),
        'location',
      );
      if (!inside.ok) return { kind: 'error', message: `${what}: ${inside.message}` };
      const part = join(tmp, randomUUID());
      const hash = createHash('sha256');
      const response = await endpoint.sourceFile(source.artifactId, file.blobId, ctx.signal);
      if (!response.body) return { kind: 'error', message: `${what}: the hub sent no body for ${file.path}` };
      await pipeline(
        Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>),
        async function* (chunks: AsyncIterable<Uint8Array>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(part),
      );
      const sha256 = hash.digest('hex');
      if (sha256 !== file.sha256)
        return { kind: 'error', message: `${what}: ${file.path} arrived with sha256 ${sha256}, not ${file.sha256}` };
      await mkdir(dirname(inside.path), { recursive: true });
      await rm(inside.path, { force: true });
      // The cache may be on another filesystem than the workspace: then a copy.
      await rename(part, inside.path).catch(() => copyFile(part, inside.path));
      sysLine(ctx, `  ${file.path}  ${file.size} bytes  sha256 ${file.sha256} ✓`);
    }
    return { kind: 'exited', exitCode: 0 };
  } catch (err) {
    if (ctx.signal.aborted) return { kind: 'cancelled' };
    const message = err instanceof HubFailure ? err.message : (err as Error).message;
    return { kind: 'error', message: `${what}: ${message}` };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
