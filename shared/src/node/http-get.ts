// An HTTP(S) GET that can be told which addresses it may connect to: the check is made on the address the
// connection really uses (the resolver's answer, or an IP literal), for the first URL and every redirect, so a
// name that resolves to a private address — or a public server redirecting to one — is refused before any byte is
// sent. Used by the hub for flow-file URLs and by the runner's fetch task for untrusted runs (docs/security.md).
import type { LookupAddress, LookupOptions } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';

/** A URL refused by policy (scheme, address, redirect): the message says why, in words for a person. */
export class UrlRefusedError extends Error {
  override readonly name = 'UrlRefusedError';
}

export type HttpGetOptions = {
  /** Aborts the request and the body. */
  signal?: AbortSignal;
  /** Whether the connection may go to `address` (an IP literal); default any. */
  allowAddress?: (address: string) => boolean;
  /** What a refused address is called in the message; default "a private address". */
  refusedAs?: string;
  /** Allowed URL schemes; default `http:` and `https:`. */
  protocols?: readonly string[];
  /** Redirects followed (each one checked like the first URL); default 5. */
  maxRedirects?: number;
};

export type HttpResponse = {
  /** The URL that answered (after redirects). */
  url: string;
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  /** The body stream; read it or destroy it. */
  body: IncomingMessage;
};

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** GETs `url`, following redirects; rejects with UrlRefusedError when the policy refuses a URL or an address. */
export async function httpGet(url: string, options: HttpGetOptions = {}): Promise<HttpResponse> {
  const protocols = options.protocols ?? ['http:', 'https:'];
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    if (!protocols.includes(current.protocol)) {
      throw new UrlRefusedError(
        `${hop === 0 ? '' : 'it redirects to '}${current.protocol.replace(/:$/, '')} URLs, which are refused (only ${protocols.map((p) => p.replace(/:$/, '')).join(', ')})`,
      );
    }
    const response = await requestOnce(current, options);
    const location = response.headers.location;
    if (!REDIRECTS.has(response.statusCode ?? 0) || !location) {
      return {
        url: current.href,
        status: response.statusCode ?? 0,
        statusText: response.statusMessage ?? '',
        headers: response.headers,
        body: response,
      };
    }
    response.destroy();
    if (hop >= (options.maxRedirects ?? 5)) throw new Error(`more than ${options.maxRedirects ?? 5} redirects`);
    current = new URL(location, current);
  }
}

/** What a request sends besides GET's defaults (http-post.ts). */
export type RequestExtras = { method?: string; headers?: Record<string, string>; body?: string | Buffer; ca?: string };

/** One request, no redirects followed: the address check of `options.allowAddress` on the connection it makes. */
export function requestOnce(url: URL, options: HttpGetOptions, extras: RequestExtras = {}): Promise<IncomingMessage> {
  const allow = options.allowAddress;
  const refuse = (address: string) =>
    new UrlRefusedError(
      `${url.hostname} is ${options.refusedAs ?? 'a private address'} (${address}), which is refused`,
    );
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // An IP literal is connected to without a lookup.
  if (allow && isIP(host) && !allow(host)) return Promise.reject(refuse(host));
  const lookup = allow
    ? (
        hostname: string,
        lookupOptions: LookupOptions,
        callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
      ) => {
        dnsLookup(hostname, { ...lookupOptions, all: true }, (err, addresses) => {
          if (err) return callback(err, '');
          const bad = addresses.find((a) => !allow(a.address));
          if (bad) return callback(refuse(bad.address), '');
          if (lookupOptions.all) return callback(null, addresses);
          const first = addresses[0];
          if (!first) return callback(new Error(`${hostname} has no address`), '');
          callback(null, first.address, first.family);
        });
      }
    : undefined;
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: extras.method ?? 'GET',
      // A connection of its own: a pooled one may have been opened without this request's address check.
      agent: false,
      headers: { 'user-agent': 'floe', accept: '*/*', ...extras.headers },
      ...(lookup ? { lookup: lookup as never } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(extras.ca !== undefined ? { ca: extras.ca } : {}),
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end(extras.body);
  });
}
