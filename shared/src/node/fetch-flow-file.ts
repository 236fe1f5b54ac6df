import { FLOW_FILE_MAX_BYTES, FLOW_FILE_TIMEOUT_MS } from '../flow/flow-file-ref.js';
import { httpGet } from './http-get.js';
import { type Cidr, isPublicAddress } from './public-address.js';

export type FetchFlowFileOptions = {
  /** Private networks that count as public here (the hub's `--allow-network`); default none. */
  allowNetworks?: readonly Cidr[];
  /** Default FLOW_FILE_TIMEOUT_MS (10 s), from the request to the last byte. */
  timeoutMs?: number;
  /** Default FLOW_FILE_MAX_BYTES (1 MiB). */
  maxBytes?: number;
};

/**
 * Fetches a flow-file URL (shared/src/flow/flow-file-ref.ts): https only, to public addresses only (redirects
 * too), at most 1 MiB, within 10 s, UTF-8. Rejects with a message that says why in words and never quotes the
 * response: the URL may point at something (an internal service) whose text the reader of the error must not see.
 */
export async function fetchFlowFile(url: string, options: FetchFlowFileOptions = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? FLOW_FILE_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? FLOW_FILE_MAX_BYTES;
  const signal = AbortSignal.timeout(timeoutMs);
  const late = () => new Error(`no complete answer within ${timeoutMs / 1000} s`);
  const tooBig = () => new Error(`it is larger than ${formatBytes(maxBytes)}`);
  let response: Awaited<ReturnType<typeof httpGet>>;
  try {
    response = await httpGet(url, {
      signal,
      protocols: ['https:'],
      allowAddress: (address) => isPublicAddress(address, options.allowNetworks),
    });
  } catch (err) {
    if (signal.aborted) throw late();
    throw new Error(describe(err));
  }
  const { body } = response;
  try {
    if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
    if (Number(response.headers['content-length'] ?? 0) > maxBytes) throw tooBig();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw tooBig();
      chunks.push(chunk as Buffer);
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
    } catch {
      throw new Error('it is not UTF-8 text');
    }
  } catch (err) {
    if (signal.aborted) throw late();
    throw err;
  } finally {
    body.destroy();
  }
}

/** A failure to connect in words, without anything the server sent. */
function describe(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string };
  if (e.name === 'UrlRefusedError') return e.message ?? 'refused';
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return 'its host name does not resolve';
  if (e.code === 'ECONNREFUSED') return 'the connection was refused';
  if (e.code?.startsWith('ERR_TLS') || e.code?.includes('CERT') || e.code === 'DEPTH_ZERO_SELF_SIGNED_CERT') {
    return `its TLS certificate is not trusted (${e.code})`;
  }
  return e.code ?? e.message ?? String(err);
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / 1024 / 1024} MiB` : `${bytes} bytes`;
}
