// `flow-file` (docs/floe-yaml.md "flow-file"): a flow may keep its tasks in another file. The hub (reading a commit)
// and `floe run` (reading the working tree) resolve it here, the same way; only how a path is read and how a URL is
// fetched differ (`@floe/shared/node` fetches URLs). The file decides what commands run, so where it may come from is
// narrow: a path inside the repository, or an https URL to a public address (checked by the fetcher), at most 1 MiB,
// fetched within 10 s. Errors about a fetched file never repeat its text: the URL may point at something the reader of
// the error must not see.
import type { Diagnostic } from './diagnostic.js';
import type { ResolvedFlow } from './flow-schema.js';
import type { diagnosticMaker } from './flow-source.js';

/** The largest flow-file read (a path or a URL). */
export const FLOW_FILE_MAX_BYTES = 1024 * 1024;
/** How long fetching a flow-file URL may take, from the request to the last byte. */
export const FLOW_FILE_TIMEOUT_MS = 10_000;

/** What a `flow-file` value names: a path inside the repository, an https URL, or something refused and why. */
export type FlowFileRef =
  | { kind: 'path'; path: string }
  | { kind: 'url'; url: string }
  /** `warning`: a shape a flow may well hold (the original's configs do): a lint warning, still refused at run time. */
  | { kind: 'refused'; reason: string; warning?: 'flow-file-http' | 'flow-file-absolute' };

/** Classifies a `flow-file` value (no I/O). */
export function flowFileRef(value: string): FlowFileRef {
  if (value.trim() === '' || /[\u0000-\u001f\u007f]/.test(value)) {
    return { kind: 'refused', reason: 'it is empty or holds control characters' };
  }
  if (/^http:\/\//i.test(value)) {
    return {
      kind: 'refused',
      warning: 'flow-file-http',
      reason: 'plain http is refused (anyone on the way could change the tasks); use an https URL',
    };
  }
  if (/^https:\/\//i.test(value)) {
    try {
      return { kind: 'url', url: new URL(value).href };
    } catch {
      return { kind: 'refused', reason: 'it is not a valid URL' };
    }
  }
  if (/^[/\\]/.test(value)) {
    return {
      kind: 'refused',
      warning: 'flow-file-absolute',
      reason:
        "an absolute path names a file on the machine that reads it (the original read its server's disk); write a path relative to the repository root",
    };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) {
    return { kind: 'refused', reason: 'it must be a path inside the repository or an https URL' };
  }
  const parts: string[] = [];
  for (const part of value.split(/[/\\]+/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return { kind: 'refused', reason: 'the path leaves the repository through `..`' };
      parts.pop();
    } else parts.push(part);
  }
  if (parts.length === 0) return { kind: 'refused', reason: 'it names no file' };
  return { kind: 'path', path: parts.join('/') };
}

/** The lint findings about a flow's `flow-file` value (lint-flow.ts calls this). */
export function flowFileDiagnostics(flow: ResolvedFlow, make: ReturnType<typeof diagnosticMaker>): Diagnostic[] {
  const value = flow['flow-file'];
  if (value === undefined) return [];
  const ref = flowFileRef(value);
  if (ref.kind !== 'refused') return [];
  if (ref.warning === 'flow-file-http') {
    return [
      make(
        'flow-file-http',
        `\`flow-file\` \`${value}\` is fetched over plain http: runs of this flow are refused.`,
        ['flow-file'],
        'value',
        'use an https URL, or keep the file in the repository',
      ),
    ];
  }
  if (ref.warning === 'flow-file-absolute') {
    return [
      make(
        'flow-file-absolute',
        `\`flow-file\` \`${value}\` is an absolute path (the original read it from its server's disk): runs of this flow are refused.`,
        ['flow-file'],
        'value',
        'keep the file in the repository and write its path relative to the repository root',
      ),
    ];
  }
  return [
    make(
      'flow-file-invalid',
      `\`flow-file\` \`${value}\` cannot be read: ${ref.reason}.`,
      ['flow-file'],
      'value',
      'write a path relative to the repository root, or an https URL',
    ),
  ];
}
