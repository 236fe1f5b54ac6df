// A POST under the same address rules as httpGet (http-get.ts): the hub's outgoing webhooks (github-app/src/notify/)
// go only where flow-file URLs may (https, public addresses unless allowed). A redirect is answered, not followed: a
// receiver that moved says so in the delivery log, and a POST is never replayed at an address nobody configured.
import { type HttpGetOptions, requestOnce, UrlRefusedError } from './http-get.js';

export type HttpPostOptions = Omit<HttpGetOptions, 'maxRedirects'> & {
  headers?: Record<string, string>;
  /** Extra certificate authorities to trust (PEM); default Node's (NODE_EXTRA_CA_CERTS included). */
  ca?: string;
};

/** POSTs `body`; resolves with the status (the answer's body is read and dropped). Rejects like httpGet. */
export async function httpPost(url: string, body: string, options: HttpPostOptions = {}): Promise<{ status: number }> {
  const target = new URL(url);
  const protocols = options.protocols ?? ['http:', 'https:'];
  if (!protocols.includes(target.protocol)) {
    throw new UrlRefusedError(
      `${target.protocol.replace(/:$/, '')} URLs are refused (only ${protocols.map((p) => p.replace(/:$/, '')).join(', ')})`,
    );
  }
  const response = await requestOnce(target, options, {
    method: 'POST',
    body,
    headers: { 'content-length': String(Buffer.byteLength(body)), ...options.headers },
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
  });
  // The answer is not kept: a receiver's text may be anything, and the log says only the status.
  response.resume();
  await new Promise<void>((resolve) => {
    response.once('end', resolve);
    response.once('error', () => resolve());
    response.once('close', () => resolve());
  });
  return { status: response.statusCode ?? 0 };
}
