import {
  type Diagnostic,
  lintFlow,
  type ParsedFloeFile,
  parseFloeFile,
  type ResolvedFlow,
  type ResolvedTrigger,
} from '@floe/shared';
import { LruCache } from './lru-cache.js';
import type { RepoSource } from './repo-source.js';

export const FLOE_FILE = 'FLOE.yaml';

/** One flow of a FLOE.yaml at a commit: resolved when it can run, else its errors. */
export type FlowAt = {
  id: string;
  ver: number;
  name: string;
  triggers: ResolvedTrigger[];
  /** Absent when the flow has errors. */
  flow?: ResolvedFlow;
  /** One line each: `FLOE.yaml:3:5: message (hint)`. */
  errors: string[];
};

export type FlowsAt = {
  /** False when the commit has no FLOE.yaml. */
  found: boolean;
  flows: FlowAt[];
  /** Errors that belong to no flow (the file is not YAML, …). */
  fileErrors: string[];
};

export type ReadFlowsOptions = {
  /** Fetches an https `flow-file`; default global fetch with a 10 s timeout. */
  fetchText?: (url: string) => Promise<string>;
};

/** `FLOE.yaml:3:5: message (hint)`: how the hub words a finding in one line. */
export function diagnosticLine(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`;
}

/**
 * Reads and parses FLOE.yaml at `sha` (DESIGN §4), loading each flow's `flow-file` from the same commit or an
 * https URL. An error blocks only its own flow (DESIGN §8 "Lint severities"). Never throws for what the file
 * says; rejects only when the repository itself cannot be read.
 */
export async function readFlowsAt(source: RepoSource, sha: string, options: ReadFlowsOptions = {}): Promise<FlowsAt> {
  const text = await source.readFile(sha, FLOE_FILE);
  if (text === undefined) return { found: false, flows: [], fileErrors: [] };
  const parsed = parseOnce(text, FLOE_FILE);
  const errorsOf = (id: string | undefined) =>
    parsed.diagnostics.filter((d) => d.severity === 'error' && d.flowId === id).map(diagnosticLine);
  const fileErrors = parsed.diagnostics
    .filter((d) => d.severity === 'error' && d.flowId === undefined)
    .map(diagnosticLine);
  const flows = new Map<string, FlowAt>();
  for (const id of parsed.flowIds) {
    // Several versions of one id: the last listed wins (as the parser's flowRanges do).
    const flow = [...parsed.flows].reverse().find((f) => f.id === id);
    const errors = [...errorsOf(id), ...fileErrors];
    if (!flow || errors.length > 0) {
      flows.set(id, { id, ver: flow?.ver ?? 1, name: flow?.name ?? id, triggers: flow?.triggers ?? [], errors });
      continue;
    }
    flows.set(id, await withFlowFile(source, sha, flow, options));
  }
  return { found: true, flows: [...flows.values()], fileErrors };
}

/**
 * Applies a flow's `flow-file` (floe-behaviour.md §4.7, read at the same commit, DESIGN §8): the file's name,
 * host-tags, resource-tags, env and tasks replace the flow's when the file gives them; id, ver, triggers and
 * flow-file are always the flow's own. The merged flow is linted again.
 */
async function withFlowFile(
  source: RepoSource,
  sha: string,
  flow: ResolvedFlow,
  options: ReadFlowsOptions,
): Promise<FlowAt> {
  const base = { id: flow.id, ver: flow.ver, name: flow.name, triggers: flow.triggers };
  const ref = flow['flow-file'];
  if (ref === undefined) return { ...base, flow, errors: [] };
  let text: string | undefined;
  try {
    text = /^https?:\/\//i.test(ref) ? await (options.fetchText ?? fetchText)(ref) : await source.readFile(sha, ref);
  } catch (err) {
    return { ...base, errors: [`${FLOE_FILE}: flow-file ${ref} could not be fetched: ${(err as Error).message}`] };
  }
  if (text === undefined) {
    return { ...base, errors: [`${FLOE_FILE}: flow-file ${ref} is not in the repository at ${sha.slice(0, 7)}`] };
  }
  const parsed = parseOnce(text, ref);
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error').map(diagnosticLine);
  const file = parsed.flows[0];
  if (!file || errors.length > 0) {
    return { ...base, errors: errors.length > 0 ? errors : [`${ref}: holds no flow`] };
  }
  const merged: ResolvedFlow = {
    ...flow,
    ...(file.tasks.length > 0 ? { tasks: file.tasks } : {}),
    ...(file['host-tags'].length > 0 ? { 'host-tags': file['host-tags'] } : {}),
    ...(file['resource-tags'].length > 0 ? { 'resource-tags': file['resource-tags'] } : {}),
    ...(file.env !== undefined ? { env: file.env } : {}),
    'reuse-space': flow['reuse-space'] || file['reuse-space'],
  };
  const lint = lintFlow(merged).filter((d) => d.severity === 'error');
  if (lint.length > 0) return { ...base, errors: lint.map((d) => `${ref}: ${d.message}`) };
  return { ...base, flow: merged, errors: [] };
}

/**
 * parseFloeFile, remembered by file name and text: each run started at a commit reads the same text
 * (CommitFileCache), and parsing it again was a millisecond of every dispatch. The parse is pure, and its result
 * is only ever read.
 */
const parses = new LruCache<ParsedFloeFile>(64);
const parseOnce = (text: string, file: string) => parses.get(`${file}\0${text}`, () => parseFloeFile(text, file));

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.text();
}
