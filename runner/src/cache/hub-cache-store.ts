import { PassThrough, Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ArtifactHub } from '../artifacts/artifact-endpoint.js';
import type { CacheHit, CacheSaved, CacheStore } from './cache-store.js';

/**
 * Task caches kept on the hub and shared by every runner (`floe-hub --shared-caches`;
 * docs/api.md "The runners' cache routes — runner credential"), for one run: every request carries the runner's credential and the run's id and epoch, and the
 * hub picks the keyspace from the run as it knows it, so `space` is not sent. A hub that keeps no caches
 * (FLOE_CACHES_OFF) hands this run's caches to `local`, the runner's own store, for the rest of the run.
 */
const NO_STORE: CacheSaved = {
  kind: 'refused',
  reason: 'the hub keeps no caches (--shared-caches) and this runner none (--cache-max-mb 0)',
};

export class HubCacheStore implements CacheStore {
  private off = false;

  constructor(
    private readonly hub: ArtifactHub,
    private readonly local: CacheStore | undefined,
  ) {}

  async find(space: string, key: string, prefixes: readonly string[]): Promise<CacheHit | undefined> {
    if (this.off) return this.local?.find(space, key, prefixes);
    const query = new URLSearchParams({ epoch: String(this.hub.epoch), key });
    for (const prefix of prefixes) query.append('prefix', prefix);
    const response = await this.request('GET', `/caches?${query}`);
    if (response === 'off') return this.local?.find(space, key, prefixes);
    const found = (await response.json()) as { found: boolean; key?: string; blobId?: string; size?: number };
    if (!found.found || !found.key || !found.blobId) return undefined;
    const blobId = found.blobId;
    return {
      key: found.key,
      bytes: found.size ?? 0,
      open: async () => {
        const blob = await this.request('GET', `/caches/${encodeURIComponent(blobId)}?epoch=${this.hub.epoch}`);
        if (blob === 'off' || !blob.body) throw new Error('the hub no longer keeps caches');
        return Readable.fromWeb(blob.body as WebReadableStream<Uint8Array>);
      },
    };
  }

  async save(space: string, key: string, write: (into: NodeJS.WritableStream) => Promise<void>): Promise<CacheSaved> {
    if (this.off) return this.local ? this.local.save(space, key, write) : NO_STORE;
    const body = new PassThrough();
    const query = new URLSearchParams({ epoch: String(this.hub.epoch), key });
    // The archive streams to the hub as it is made; a failure of either side ends the other, so neither waits for
    // ever (a refused PUT leaves the archive nobody reads).
    const sending = this.request('PUT', `/caches?${query}`, body).then(
      (response) => {
        if (response === 'off') body.destroy(new Error('the hub keeps no caches'));
        return response;
      },
      (err: unknown) => {
        body.destroy(err as Error);
        throw err;
      },
    );
    const writing = write(body).catch((err: unknown) => {
      body.destroy(err as Error);
      throw err;
    });
    const [sent, wrote] = await Promise.allSettled([sending, writing]);
    if (sent.status === 'fulfilled' && sent.value === 'off')
      // Nothing was kept on the hub; the archive is made again for the runner's own store.
      return this.local ? this.local.save(space, key, write) : NO_STORE;
    if (wrote.status === 'rejected') throw wrote.reason;
    if (sent.status === 'rejected') throw sent.reason;
    const response = sent.value as Response;
    return (await response.json()) as CacheSaved;
  }

  private async request(method: string, path: string, body?: NodeJS.ReadableStream): Promise<Response | 'off'> {
    const endpoint = this.hub.endpoint();
    if (!endpoint) throw new Error('not connected to a hub');
    const url = `${endpoint.hubUrl.replace(/\/+$/, '')}/api/runners/runs/${encodeURIComponent(this.hub.runId)}${path}`;
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${endpoint.credential}`,
        ...(body ? { 'content-type': 'application/octet-stream' } : {}),
      },
      ...(body ? { body: body as unknown as RequestInit['body'], duplex: 'half' } : {}),
    } as RequestInit);
    if (response.ok) return response;
    const answer = (await response.json().catch(() => undefined)) as { code?: string; message?: string } | undefined;
    // FLOE_NOT_FOUND: a hub older than shared caches, which has no such route.
    if (answer?.code === 'FLOE_CACHES_OFF' || answer?.code === 'FLOE_NOT_FOUND') {
      this.off = true;
      return 'off';
    }
    throw new Error(answer?.message ?? `the hub answered HTTP ${response.status}`);
  }
}
