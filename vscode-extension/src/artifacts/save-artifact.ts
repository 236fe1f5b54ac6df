// Saves a run's artifact to a folder, as `floe artifacts` does: one file at a time, streamed to disk, each checked
// against the sha256 the hub stored before it takes its name; the paths are checked again before they become paths
// here (the hub checked them when they were uploaded).
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { ArtifactPathSchema, type ArtifactView, type FloeClient } from '@floe/shared';

/** Writes every file of `artifact` under `folder/<its path>`; resolves with the files' paths on disk. */
export async function saveArtifact(
  client: FloeClient,
  runId: string,
  artifact: ArtifactView,
  folder: string,
): Promise<string[]> {
  const saved: string[] = [];
  for (const file of artifact.files) {
    if (!ArtifactPathSchema.safeParse(file.path).success)
      throw new Error(`refusing the path ${JSON.stringify(file.path)}`);
    const target = path.join(folder, ...file.path.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    const part = `${target}.${randomUUID()}.part`;
    const hash = createHash('sha256');
    try {
      const response = await client.downloadArtifact(runId, artifact.name, file.path);
      await pipeline(
        response.body ? Readable.fromWeb(response.body as ReadableStream<Uint8Array>) : Readable.from([]),
        async function* (chunks: AsyncIterable<Uint8Array>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(part),
      );
      const sha256 = hash.digest('hex');
      if (sha256 !== file.sha256) throw new Error(`${file.path} arrived with sha256 ${sha256}, not ${file.sha256}`);
      await rename(part, target);
      saved.push(target);
    } finally {
      await rm(part, { force: true });
    }
  }
  return saved;
}
