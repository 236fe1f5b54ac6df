// The runner's HTTP side of artifacts (DESIGN §8 "Artifacts"): the hub the runner is connected to now, its
// credential as the bearer token, and the run and epoch every request is fenced by. Each call is one HTTP request;
// its failure is a HubFailure, so `retry` (connection/retry.ts) decides what deserves another try.
import {
  type ArtifactBeginAnswer,
  ArtifactBeginAnswerSchema,
  type ArtifactBeginBody,
  type ArtifactSource,
  ArtifactSourceSchema,
  type BlobPutAnswer,
  BlobPutAnswerSchema,
  type FetchArtifact,
  type z,
} from '@floe/shared';
import { HubFailure } from '../connection/hub-failure.js';

/** The run's side of the hub for artifacts: given to each task (TaskContext.artifacts) by the runner daemon. */
export interface ArtifactHub {
  /** The hub now connected and the runner's credential; undefined while no hub is (the caller waits and retries). */
  endpoint(): { hubUrl: string; credential: string } | undefined;
  runId: string;
  epoch: number;
}

export class ArtifactEndpoint {
  constructor(private readonly hub: ArtifactHub) {}

  begin(body: Omit<ArtifactBeginBody, 'epoch'>, signal: AbortSignal): Promise<ArtifactBeginAnswer> {
    return this.json(ArtifactBeginAnswerSchema, 'POST', `/artifacts`, signal, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, epoch: this.hub.epoch }),
    });
  }

  /** Sends `body` as bytes [start, start+length) of a `total`-byte file. */
  put(
    blobId: string,
    start: number,
    length: number,
    total: number,
    body: AsyncIterable<Uint8Array> | undefined,
    signal: AbortSignal,
  ): Promise<BlobPutAnswer> {
    const range = length === 0 ? `bytes */${total}` : `bytes ${start}-${start + length - 1}/${total}`;
    return this.json(
      BlobPutAnswerSchema,
      'PUT',
      `/blobs/${encodeURIComponent(blobId)}?epoch=${this.hub.epoch}`,
      signal,
      {
        headers: { 'content-type': 'application/octet-stream', 'content-range': range },
        ...(body ? { body: body as unknown as RequestInit['body'], duplex: 'half' } : {}),
      },
    );
  }

  async abandon(artifactId: string, signal: AbortSignal): Promise<void> {
    await this.request('DELETE', `/artifacts/${encodeURIComponent(artifactId)}?epoch=${this.hub.epoch}`, signal);
  }

  source(artifact: FetchArtifact, signal: AbortSignal): Promise<ArtifactSource> {
    const query = new URLSearchParams({ epoch: String(this.hub.epoch), flow: artifact.flow, name: artifact.name });
    for (const key of ['repo', 'ref', 'run'] as const) {
      const value = artifact[key];
      if (value !== undefined) query.set(key, value);
    }
    return this.json(ArtifactSourceSchema, 'GET', `/artifact-source?${query}`, signal);
  }

  /** A file of another run's artifact, as a response whose body the caller streams. */
  sourceFile(artifactId: string, blobId: string, signal: AbortSignal): Promise<Response> {
    return this.request(
      'GET',
      `/sources/${encodeURIComponent(artifactId)}/blobs/${encodeURIComponent(blobId)}?epoch=${this.hub.epoch}`,
      signal,
    );
  }

  private async json<S extends z.ZodType>(
    schema: S,
    method: string,
    path: string,
    signal: AbortSignal,
    init: RequestInit & { duplex?: 'half' } = {},
  ): Promise<z.infer<S>> {
    const response = await this.request(method, path, signal, init);
    const parsed = schema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success)
      throw new HubFailure({ kind: 'http', status: 502, message: `unexpected answer to ${method} ${path}` });
    return parsed.data as z.infer<S>;
  }

  private async request(
    method: string,
    path: string,
    signal: AbortSignal,
    init: RequestInit & { duplex?: 'half' } = {},
  ): Promise<Response> {
    const endpoint = this.hub.endpoint();
    if (!endpoint) throw new HubFailure({ kind: 'network', message: 'not connected to a hub' });
    const url = `${endpoint.hubUrl.replace(/\/+$/, '')}/api/runners/runs/${encodeURIComponent(this.hub.runId)}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        method,
        signal,
        headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${endpoint.credential}` },
      });
    } catch (err) {
      throw new HubFailure({ kind: 'network', message: `${method} ${path}: ${(err as Error).message}` });
    }
    if (!response.ok) {
      const body = (await response.json().catch(() => undefined)) as { code?: string; message?: string } | undefined;
      throw new HubFailure({
        kind: 'http',
        status: response.status,
        message: body?.message ?? `the hub answered HTTP ${response.status}`,
      });
    }
    return response;
  }
}
