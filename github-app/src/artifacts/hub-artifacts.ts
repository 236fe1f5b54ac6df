// Artifacts on the hub (DESIGN §8 "Artifacts"): a runner begins an artifact's upload with its files' sizes and
// sha256s, then PUTs each file's bytes with Content-Range, resuming where the stored bytes end; every write is
// fenced by the run's epoch (DESIGN §5 "Offers and epochs"), so a runner that lost the run cannot write to it.
// People read them through the API; `fetch` tasks take them into other runs. Metadata is the store's, bytes the
// blob store's.
import { createHash, randomUUID } from 'node:crypto';
import type {
  ArtifactBeginAnswer,
  ArtifactBeginBody,
  ArtifactSource,
  ArtifactSourceQuery,
  ArtifactView,
  BlobPutAnswer,
} from '@floe/shared';
import type { Logger } from 'pino';
import { FloeError } from '../errors.js';
import { keyedLock } from '../runs/keyed-lock.js';
import type { ArtifactWithFiles, RunRow, Store } from '../store/store.js';
import type { ArtifactLimits } from './artifact-limits.js';
import { BlobLimitError, BlobOffsetError, type BlobStore } from './blob-store.js';

export type HubArtifactsDeps = {
  store: Store;
  blobs: BlobStore;
  limits: ArtifactLimits;
  log: Logger;
  now: () => number;
  /** The runner a credential belongs to (runs/runner-credentials.ts); undefined when unknown or revoked. */
  authenticateRunner: (credential: string) => Promise<{ runnerId: string } | undefined>;
};

// `bytes START-END/TOTAL`, or `bytes */TOTAL` for an empty body (a file of 0 bytes).
export type ContentRange = { start: number; end: number; total: number } | { start: number; end: -1; total: number };

/** Reads a Content-Range header; undefined when it is not one of the two shapes above with sane numbers. */
export function parseContentRange(header: string | undefined): ContentRange | undefined {
  if (header === undefined) return undefined;
  const empty = /^bytes \*\/(\d{1,16})$/.exec(header);
  if (empty) return { start: Number(empty[1]), end: -1, total: Number(empty[1]) };
  const match = /^bytes (\d{1,16})-(\d{1,16})\/(\d{1,16})$/.exec(header);
  if (!match) return undefined;
  const [start, end, total] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (end < start || end >= total) return undefined;
  return { start, end, total };
}

export class HubArtifacts {
  /** Appends to one blob take turns (a resumed PUT racing the one it replaces): the second finds the new end. */
  private readonly perBlob = keyedLock();

  constructor(private readonly deps: HubArtifactsDeps) {}

  // ------------------------------------------------------------------------------------------------------------
  // The runner's side

  /** The runner whose credential an upload carries as its bearer token; FLOE_UNAUTHENTICATED otherwise. */
  async runnerOf(authorization: string | undefined): Promise<string> {
    const credential = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    const runner = credential === undefined ? undefined : await this.deps.authenticateRunner(credential);
    if (!runner) throw new FloeError('FLOE_UNAUTHENTICATED', 'send the runner credential as "Authorization: Bearer …"');
    return runner.runnerId;
  }

  /** Begins or resumes an upload; refuses (FloeError) a stale epoch, a taken name or a size over a cap. */
  async begin(runnerId: string, runId: string, body: ArtifactBeginBody): Promise<ArtifactBeginAnswer> {
    const { store, limits, log, now } = this.deps;
    const run = await this.runOf(runnerId, runId, body.epoch);
    // Only what the run's flow declares: a runner cannot make up artifacts, nor put one under another task's name.
    const task = run.flow.tasks.find((node) => node.id === body.node);
    const declared = task && task.class !== 'merge' && task.artifacts?.some((a) => (a.name ?? task.id) === body.name);
    if (!declared)
      throw new FloeError('FLOE_BAD_REQUEST', `task ${body.node} of this run's flow declares no artifact ${body.name}`);
    const paths = new Set<string>();
    for (const file of body.files) {
      if (paths.has(file.path)) throw new FloeError('FLOE_BAD_REQUEST', `body.files: ${file.path} is listed twice`);
      paths.add(file.path);
      if (file.size > limits.maxFileBytes)
        throw this.refused(
          run,
          body,
          `${file.path} is ${mib(file.size)}, over the ${mib(limits.maxFileBytes)} a file may have`,
        );
    }
    const size = body.files.reduce((sum, file) => sum + file.size, 0);
    const createdAt = now();
    const outcome = await store.beginArtifact(
      {
        id: randomUUID(),
        runId,
        name: body.name,
        node: body.node,
        epoch: body.epoch,
        size,
        createdAt,
        ...(body.expireInMs !== undefined ? { expiresAt: createdAt + body.expireInMs } : {}),
        files: body.files.map((file) => ({ ...file, blobId: randomUUID() })),
      },
      { maxRunBytes: limits.maxRunBytes, maxHubBytes: limits.maxHubBytes },
    );
    if (!outcome.ok) {
      switch (outcome.reason) {
        case 'stale':
          throw new FloeError('FLOE_STALE_EPOCH');
        case 'name-taken':
          throw new FloeError(
            'FLOE_BAD_REQUEST',
            `artifact ${body.name} of this run is task ${outcome.node}'s; name each artifact once in FLOE.yaml`,
          );
        case 'run-cap':
          throw this.refused(
            run,
            body,
            `${mib(size)} more would take the run's artifacts over ${mib(limits.maxRunBytes)} (${mib(outcome.used)} kept)`,
          );
        case 'hub-cap':
          throw this.refused(
            run,
            body,
            `${mib(size)} more would take the hub's artifacts over ${mib(limits.maxHubBytes)} (${mib(outcome.used)} kept)`,
          );
      }
    }
    await Promise.all(outcome.replaced.map((blobId) => this.deps.blobs.remove(blobId)));
    const files = await Promise.all(
      outcome.artifact.files.map(async (file) => ({
        path: file.path,
        blobId: file.blobId,
        received: file.verified ? file.size : await this.deps.blobs.size(file.blobId),
      })),
    );
    log.info(
      { runId, artifact: body.name, files: files.length, bytes: size, resumed: outcome.resumed },
      'artifact upload',
    );
    return { artifactId: outcome.artifact.id, files };
  }

  /**
   * Stores the bytes of `range` of one file. The range must start where the stored bytes end (else
   * FLOE_BAD_RANGE, saying where), and its total must be the file's declared size. Once the file is whole its
   * sha256 is checked: a mismatch removes its bytes (FLOE_BAD_REQUEST; upload it again).
   */
  async put(
    runnerId: string,
    runId: string,
    epoch: number,
    blobId: string,
    range: ContentRange | undefined,
    body: AsyncIterable<Uint8Array>,
  ): Promise<BlobPutAnswer> {
    if (range === undefined)
      throw new FloeError('FLOE_BAD_RANGE', 'send Content-Range: bytes START-END/TOTAL (bytes */0 for an empty file)');
    await this.runOf(runnerId, runId, epoch);
    const { artifact, file } = await this.fileOf(runId, blobId);
    if (artifact.epoch !== epoch) throw new FloeError('FLOE_STALE_EPOCH');
    if (range.total !== file.size)
      throw new FloeError('FLOE_BAD_RANGE', `${file.path} has ${file.size} bytes, not ${range.total}`);
    return this.perBlob(blobId, async () => {
      const { blobs, store, now } = this.deps;
      if (file.verified) return { received: file.size, verified: true, stored: artifact.state === 'stored' };
      let received: number;
      try {
        received =
          range.end === -1
            ? await blobs.size(blobId)
            : await blobs.append(blobId, range.start, body, range.end - range.start + 1);
        if (range.end === -1 && range.start !== received) throw new BlobOffsetError(received);
      } catch (err) {
        if (err instanceof BlobOffsetError)
          throw new FloeError(
            'FLOE_BAD_RANGE',
            `the hub holds ${err.size} bytes of ${file.path}; resume from byte ${err.size}`,
          );
        if (err instanceof BlobLimitError)
          throw new FloeError('FLOE_BAD_RANGE', `the body is longer than its Content-Range (${err.limit} bytes)`);
        if ((err as NodeJS.ErrnoException).code === 'ECONNRESET') {
          // The connection dropped mid-body: what arrived is kept, and the runner resumes after it.
          this.deps.log.info({ runId, path: file.path }, 'artifact upload cut; it resumes where the bytes end');
          throw new FloeError('FLOE_BAD_REQUEST', 'the upload was cut; begin again to resume where it stopped');
        }
        throw err;
      }
      if (range.end !== -1 && received !== range.end + 1)
        throw new FloeError(
          'FLOE_BAD_RANGE',
          `the body ended at byte ${received} of ${file.path}, before its Content-Range did`,
        );
      if (received < file.size) return { received, verified: false, stored: false };
      const sha256 = await hashOf(blobs, blobId);
      if (sha256 !== file.sha256) {
        await blobs.remove(blobId);
        throw new FloeError(
          'FLOE_BAD_REQUEST',
          `${file.path} arrived with sha256 ${sha256}, not ${file.sha256}; upload it again`,
        );
      }
      const verified = await store.verifyArtifactFile(artifact.id, blobId, now());
      if (!verified) {
        await this.discard(artifact.id);
        throw new FloeError('FLOE_STALE_EPOCH');
      }
      return { received, verified: true, stored: verified.stored };
    });
  }

  /** A cancel or timeout stopped the upload: the partial artifact goes (the runner says so in the task's log). */
  async abandon(runnerId: string, runId: string, epoch: number, artifactId: string): Promise<void> {
    await this.runOf(runnerId, runId, epoch);
    const artifact = await this.deps.store.getArtifact(artifactId);
    if (!artifact || artifact.runId !== runId || artifact.epoch !== epoch)
      throw new FloeError('FLOE_ARTIFACT_NOT_FOUND');
    if (artifact.state === 'stored') return;
    await this.discard(artifactId);
    this.deps.log.info({ runId, artifact: artifact.name }, 'artifact upload abandoned; partial files removed');
  }

  /**
   * The artifact a `fetch` task of `runId` takes: the newest good trusted run's of the flow (on `ref`, default the
   * fetching run's repository's default branch), or the given run's if it is good and trusted. An untrusted run
   * fetches nothing (docs/security.md "Artifacts").
   */
  async source(runnerId: string, runId: string, query: ArtifactSourceQuery): Promise<ArtifactSource> {
    const run = await this.runOf(runnerId, runId, query.epoch);
    if (run.trust !== 'trusted')
      throw new FloeError(
        'FLOE_FORBIDDEN',
        'an untrusted run takes no artifacts of other runs (docs/security.md "Artifacts")',
      );
    const repo = query.repo ?? run.repo;
    const ref = query.run !== undefined ? undefined : (query.ref ?? (await this.deps.store.getRepo(repo))?.defaultRef);
    const found = await this.deps.store.findArtifactSource({
      repo,
      flowId: query.flow,
      name: query.name,
      ...(ref !== undefined ? { ref: fullRef(ref) } : {}),
      ...(query.run !== undefined ? { runId: query.run } : {}),
    });
    if (!found)
      throw new FloeError(
        'FLOE_ARTIFACT_NOT_FOUND',
        `no good trusted run of ${repo} ${query.flow}${query.run !== undefined ? ` with id ${query.run}` : ref !== undefined ? ` on ${ref}` : ''} kept an artifact ${query.name}`,
      );
    return {
      runId: found.run.id,
      runNumber: found.run.number,
      artifactId: found.artifact.id,
      files: found.artifact.files.map(({ path, size, sha256, blobId }) => ({ path, size, sha256, blobId })),
    };
  }

  /** A file of a stored trusted artifact, for a trusted run's `fetch` (checked again: the runner names the blob). */
  async sourceBlob(runnerId: string, runId: string, epoch: number, artifactId: string, blobId: string) {
    const run = await this.runOf(runnerId, runId, epoch);
    const artifact = await this.deps.store.getArtifact(artifactId);
    const file = artifact?.files.find((f) => f.blobId === blobId);
    if (run.trust !== 'trusted' || !artifact || !file || artifact.state !== 'stored' || artifact.trust !== 'trusted')
      throw new FloeError('FLOE_ARTIFACT_NOT_FOUND');
    return { file, body: this.deps.blobs.read(blobId) };
  }

  // ------------------------------------------------------------------------------------------------------------
  // Reading (the API)

  async list(runId: string): Promise<ArtifactView[]> {
    const artifacts = await this.deps.store.listArtifacts(runId);
    return artifacts.map(view);
  }

  /** A stored artifact of a run, for download. */
  async stored(runId: string, name: string): Promise<ArtifactWithFiles> {
    const artifact = await this.deps.store.findArtifact(runId, name);
    if (!artifact) throw new FloeError('FLOE_ARTIFACT_NOT_FOUND');
    if (artifact.state !== 'stored')
      throw new FloeError(
        'FLOE_ARTIFACT_NOT_FOUND',
        `artifact ${name} is still uploading; try again once its task has ended`,
      );
    return artifact;
  }

  read(blobId: string, range?: { start: number; end: number }) {
    return this.deps.blobs.read(blobId, range);
  }

  // ------------------------------------------------------------------------------------------------------------
  // Retention

  /** Deletes expired artifacts, those of runs retention removed, and uploads their run's end cut short. */
  async sweep(batch = 100): Promise<number> {
    let removed = 0;
    for (;;) {
      const dead = await this.deps.store.listDeadArtifacts(this.deps.now(), batch);
      for (const id of dead) await this.discard(id);
      removed += dead.length;
      if (dead.length < batch) return removed;
    }
  }

  // ------------------------------------------------------------------------------------------------------------

  private async discard(artifactId: string): Promise<void> {
    const blobIds = await this.deps.store.deleteArtifact(artifactId);
    for (const blobId of blobIds) await this.deps.blobs.remove(blobId);
  }

  /** The run, if it is active on this runner at this epoch; else FLOE_STALE_EPOCH (or not found). */
  private async runOf(runnerId: string, runId: string, epoch: number): Promise<RunRow> {
    const run = await this.deps.store.getRun(runId);
    if (!run) throw new FloeError('FLOE_RUN_NOT_FOUND');
    if (run.state !== 'active' || run.runnerId !== runnerId || run.epoch !== epoch)
      throw new FloeError('FLOE_STALE_EPOCH');
    return run;
  }

  private async fileOf(runId: string, blobId: string) {
    const artifacts = await this.deps.store.listArtifacts(runId);
    for (const artifact of artifacts) {
      const file = artifact.files.find((f) => f.blobId === blobId);
      if (file) return { artifact, file };
    }
    throw new FloeError('FLOE_ARTIFACT_NOT_FOUND', 'no such file of an artifact of this run; begin the upload again');
  }

  private refused(run: RunRow, body: ArtifactBeginBody, why: string): FloeError {
    this.deps.log.warn({ runId: run.id, artifact: body.name, reason: why }, 'artifact refused');
    return new FloeError('FLOE_ARTIFACT_REFUSED', `artifact ${body.name} refused: ${why}`);
  }
}

function view(artifact: ArtifactWithFiles): ArtifactView {
  return {
    name: artifact.name,
    node: artifact.node,
    state: artifact.state,
    trust: artifact.trust,
    size: artifact.size,
    files: artifact.files.map(({ path, size, sha256 }) => ({ path, size, sha256 })),
    createdAt: artifact.createdAt,
    ...(artifact.expiresAt !== undefined ? { expiresAt: artifact.expiresAt } : {}),
  };
}

async function hashOf(blobs: BlobStore, blobId: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of blobs.read(blobId)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function fullRef(ref: string): string {
  return ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
}

function mib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${bytes} bytes`;
}
