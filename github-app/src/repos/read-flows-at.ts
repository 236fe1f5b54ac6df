import {
  type Diagnostic,
  type ParsedFloeFile,
  parseFloeFile,
  type ResolvedFlow,
  type ResolvedTrigger,
  resolveFlowFile,
} from '@floe/shared';
import { type Cidr, fetchFlowFile } from '@floe/shared/node';
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
  /** Fetches an https `flow-file`; default fetchFlowFile (public addresses, 1 MiB, 10 s; @floe/shared/node). */
  fetchText?: (url: string) => Promise<string>;
  /** Private networks flow-file URLs may reach all the same (`--allow-network`); default none. */
  allowNetworks?: readonly Cidr[];
  /** Read only this flow's flow-file (a run of one flow need not fetch every other's); default every flow's. */
  only?: string;
};

/** `FLOE.yaml:3:5: message (hint)`: how the hub words a finding in one line. */
export function diagnosticLine(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`;
}

/**
 * Reads and parses FLOE.yaml at `sha` (DESIGN §4), loading each flow's `flow-file` from the same commit or an
 * https URL (shared/src/flow/resolve-flow-file.ts, the rules `floe run` follows too). An error blocks only its own flow (DESIGN §8 "Lint severities"). Never throws for what the file
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
    if (options.only !== undefined && id !== options.only) {
      flows.set(id, { id, ver: flow.ver, name: flow.name, triggers: flow.triggers, flow, errors: [] });
      continue;
    }
    flows.set(id, await withFlowFile(source, sha, flow, options));
  }
  return { found: true, flows: [...flows.values()], fileErrors };
}

async function withFlowFile(
  source: RepoSource,
  sha: string,
  flow: ResolvedFlow,
  options: ReadFlowsOptions,
): Promise<FlowAt> {
  const base = { id: flow.id, ver: flow.ver, name: flow.name, triggers: flow.triggers };
  const resolved = await resolveFlowFile(flow, {
    readPath: (path) => source.readFile(sha, path),
    fetchUrl: (url) => (options.fetchText ?? ((u) => fetchFlowFile(u, { allowNetworks: options.allowNetworks })))(url),
    parse: parseOnce,
    file: FLOE_FILE,
    where: `the repository at ${sha.slice(0, 7)}`,
  });
  return resolved.flow ? { ...base, flow: resolved.flow, errors: [] } : { ...base, errors: resolved.errors };
}

/**
 * parseFloeFile, remembered by file name and text: each run started at a commit reads the same text
 * (CommitFileCache), and parsing it again was a millisecond of every dispatch. The parse is pure, and its result
 * is only ever read.
 */
const parses = new LruCache<ParsedFloeFile>(64);
const parseOnce = (text: string, file: string) => parses.get(`${file}\0${text}`, () => parseFloeFile(text, file));
