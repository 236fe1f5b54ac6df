// A task's `artifacts:` kept when it ends (DESIGN §8 "Artifacts"): collected from the workspace, uploaded to the hub,
// and only then is the task's outcome reported, so a run counts as ended only once its artifacts are stored or
// refused. Everything that happens is a line in the task's log: what was kept (with sizes and sha256s), what
// matched nothing, what a cap refused and why, an upload a cancel stopped.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { createBackoff, durationMs, type ResolvedTask, type TaskArtifact, type TaskOutcome } from '@floe/shared';
import { HubFailure } from '../connection/hub-failure.js';
import { retry } from '../connection/retry.js';
import { sysLine } from '../executors/sys-line.js';
import type { TaskContext } from '../executors/task-context.js';
import { ArtifactEndpoint } from './artifact-endpoint.js';
import { type CollectedFile, collectArtifacts } from './collect-artifacts.js';

/** How often a progress line may be logged while uploading. */
const PROGRESS_EVERY_MS = 5_000;

/**
 * Keeps the task's artifacts that its outcome asks for (`when`), then resolves to the outcome to report: the
 * task's own, `error` when a `required` path matched nothing, or `cancelled` when a cancel stopped an upload.
 * Never rejects.
 */
export async function keepArtifacts(ctx: TaskContext, task: ResolvedTask, outcome: TaskOutcome): Promise<TaskOutcome> {
  const entries = task.artifacts ?? [];
  if (entries.length === 0) return outcome;
  if (outcome.kind === 'cancelled') {
    sysLine(ctx, 'artifacts not kept: the task was cancelled');
    return outcome;
  }
  const goodCodes = task.good?.length ? task.good : [0];
  const went = outcome.kind === 'exited' && goodCodes.includes(outcome.exitCode) ? 'good' : 'bad';
  const missing: string[] = [];
  for (const entry of entries) {
    if (entry.when !== 'always' && entry.when !== went) continue;
    const name = entry.name ?? task.id;
    try {
      const collected = await collectArtifacts(ctx.workspace, entry);
      for (const warning of collected.warnings) sysLine(ctx, `artifact ${name}: ${warning}`);
      if (entry.required) missing.push(...collected.missing.map((path) => `${name}: ${path}`));
      if (collected.files.length === 0) {
        sysLine(ctx, `artifact ${name}: no files, nothing kept`);
        continue;
      }
      if (!ctx.artifacts) {
        sysLine(ctx, `artifact ${name}: ${collected.files.length} files not kept: only a hub keeps artifacts`);
        continue;
      }
      const stopped = await upload(
        ctx,
        ctx.artifacts && new ArtifactEndpoint(ctx.artifacts),
        task.id,
        name,
        entry,
        collected.files,
      );
      if (stopped) return { kind: 'cancelled' };
    } catch (err) {
      sysLine(ctx, `artifact ${name} not kept: ${(err as Error).message}`);
    }
  }
  if (missing.length > 0)
    return { kind: 'error', message: `required artifact paths matched nothing: ${missing.join(', ')}` };
  return outcome;
}

/** Uploads one artifact, resuming after failures the hub may recover from; true when a cancel stopped it. */
async function upload(
  ctx: TaskContext,
  endpoint: ArtifactEndpoint,
  node: string,
  name: string,
  entry: TaskArtifact,
  files: CollectedFile[],
): Promise<boolean> {
  const total = files.reduce((sum, file) => sum + file.size, 0);
  sysLine(ctx, `artifact ${name}: uploading ${files.length} files, ${bytes(total)}`);
  const byPath = new Map(files.map((file) => [file.path, file]));
  let artifactId: string | undefined;
  let sent = 0;
  const progress = setInterval(
    () => sysLine(ctx, `artifact ${name}: ${bytes(sent)} of ${bytes(total)} sent`),
    PROGRESS_EVERY_MS,
  );
  try {
    await retry(
      async () => {
        const answer = await endpoint.begin(
          {
            node,
            name,
            files: files.map(({ path, size, sha256 }) => ({ path, size, sha256 })),
            ...expireIn(entry),
          },
          ctx.signal,
        );
        artifactId = answer.artifactId;
        sent = answer.files.reduce((sum, file) => sum + file.received, 0);
        for (const stored of answer.files) {
          const file = byPath.get(stored.path);
          if (!file) continue;
          const left = file.size - stored.received;
          const body = left > 0 ? counted(read(file.abs, stored.received), (n) => (sent += n)) : undefined;
          try {
            await endpoint.put(stored.blobId, stored.received, left, file.size, body, ctx.signal);
          } catch (err) {
            // The hub holds another count of bytes than it said (a write raced it): begin again, which says where.
            if (err instanceof HubFailure && err.reason.kind === 'http' && err.reason.status === 416)
              throw new HubFailure({ kind: 'network', message: err.message });
            throw err;
          }
        }
      },
      {
        backoff: createBackoff({ maxMs: 10_000 }),
        signal: ctx.signal,
        onRetry: (failure, delayMs) =>
          sysLine(
            ctx,
            `artifact ${name}: upload interrupted (${failure.message}); resuming in ${Math.ceil(delayMs / 1000)} s`,
          ),
      },
    );
  } catch (err) {
    if (ctx.signal.aborted) {
      // The partial upload goes now; the hub's retention removes it too if this does not reach it.
      if (artifactId !== undefined)
        await endpoint.abandon(artifactId, AbortSignal.timeout(10_000)).catch(() => undefined);
      sysLine(ctx, `artifact ${name}: upload stopped by a cancel after ${bytes(sent)}; the partial files are removed`);
      return true;
    }
    sysLine(ctx, `artifact ${name} not kept: ${(err as Error).message}`);
    return false;
  } finally {
    clearInterval(progress);
  }
  sysLine(ctx, `artifact ${name}: stored, ${files.length} files, ${bytes(total)}`);
  for (const file of files) sysLine(ctx, `  ${file.path}  ${bytes(file.size)}  sha256 ${file.sha256}`);
  return false;
}

/** The file from `start`, never following a symlink swapped in since it was checked (collect-artifacts.ts). */
async function* read(file: string, start: number): AsyncIterable<Uint8Array> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    yield* handle.createReadStream({ start, highWaterMark: 256 * 1024, autoClose: false });
  } finally {
    await handle.close();
  }
}

async function* counted(source: AsyncIterable<Uint8Array>, onBytes: (n: number) => void): AsyncIterable<Uint8Array> {
  for await (const chunk of source) {
    onBytes(chunk.length);
    yield chunk;
  }
}

function expireIn(entry: TaskArtifact): { expireInMs?: number } {
  const ms = entry['expire-in'] === undefined ? undefined : durationMs(entry['expire-in']);
  return ms === undefined ? {} : { expireInMs: Math.max(1, Math.round(ms)) };
}

function bytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
