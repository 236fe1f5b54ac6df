// Applying a flow's `flow-file` (see flow-file-ref.ts for what it may name): the one place the hub and `floe run`
// both use, so a flow means the same in both. Reading is given by the caller.
import { utf8Length } from '../api/utf8-length.js';
import { FLOW_FILE_MAX_BYTES, flowFileRef } from './flow-file-ref.js';
import type { ResolvedFlow } from './flow-schema.js';
import { lintFlow } from './lint-flow.js';
import { type ParsedFloeFile, parseFloeFile } from './parse-floe-file.js';

/** How a flow-file is read: `readPath` inside the repository (undefined: not there), `fetchUrl` for https. */
export type FlowFileReaders = {
  readPath(path: string): Promise<string | undefined>;
  /** Fetches an https URL (`@floe/shared/node` fetchFlowFile); rejects with a message that quotes no content. */
  fetchUrl(url: string): Promise<string>;
  /** Parses the file; default parseFloeFile (the hub passes a cached one). */
  parse?(text: string, file: string): ParsedFloeFile;
  /** Where the flow comes from, for messages; default `FLOE.yaml`. */
  file?: string;
  /** Names the place a path is read from in "not in …" messages, e.g. "the repository at 1a2b3c4". */
  where?: string;
};

/** The flow with its flow-file applied, or one line per reason it cannot run. */
export type FlowFileResult = { flow: ResolvedFlow; errors?: undefined } | { flow?: undefined; errors: string[] };

/**
 * Applies a flow's `flow-file`: the file's name, host-tags, resource-tags, env and tasks replace the flow's when the
 * file gives them; id, ver, triggers and flow-file stay the flow's own; `reuse-space` is on when either says so.
 * The merged flow is linted again. Never throws: every failure is a line of `errors`.
 */
export async function resolveFlowFile(flow: ResolvedFlow, readers: FlowFileReaders): Promise<FlowFileResult> {
  const value = flow['flow-file'];
  if (value === undefined) return { flow };
  const file = readers.file ?? 'FLOE.yaml';
  const ref = flowFileRef(value);
  if (ref.kind === 'refused') return { errors: [`${file}: flow-file ${value} is refused: ${ref.reason}`] };
  let text: string | undefined;
  try {
    text = ref.kind === 'url' ? await readers.fetchUrl(ref.url) : await readers.readPath(ref.path);
  } catch (err) {
    return { errors: [`${file}: flow-file ${value} could not be read: ${(err as Error).message}`] };
  }
  if (text === undefined) {
    return { errors: [`${file}: flow-file ${value} is not in ${readers.where ?? 'the repository'}`] };
  }
  if (utf8Length(text) > FLOW_FILE_MAX_BYTES) {
    return { errors: [`${file}: flow-file ${value} is larger than ${FLOW_FILE_MAX_BYTES / 1024 / 1024} MiB`] };
  }
  const name = ref.kind === 'url' ? ref.url : ref.path;
  const parsed = (readers.parse ?? parseFloeFile)(text, name);
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  const found = parsed.flows[0];
  if (!found || errors.length > 0) {
    if (errors.length === 0) return { errors: [`${name}: holds no flow`] };
    // A fetched file's text (and so a message quoting it) is not shown: only where and what kind of error.
    return {
      errors: errors.map((d) =>
        ref.kind === 'url'
          ? `${name}:${d.line}:${d.column}: ${d.code} (the fetched text is not repeated)`
          : `${d.file}:${d.line}:${d.column}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`,
      ),
    };
  }
  const merged: ResolvedFlow = {
    ...flow,
    ...(found.tasks.length > 0 ? { tasks: found.tasks } : {}),
    ...(found['host-tags'].length > 0 ? { 'host-tags': found['host-tags'] } : {}),
    ...(found['resource-tags'].length > 0 ? { 'resource-tags': found['resource-tags'] } : {}),
    ...(found.env !== undefined ? { env: found.env } : {}),
    'reuse-space': flow['reuse-space'] || found['reuse-space'],
  };
  const lint = lintFlow(merged).filter((d) => d.severity === 'error');
  if (lint.length > 0) {
    return {
      errors: lint.map(
        (d) => `${name}: ${ref.kind === 'url' ? `${d.code} (the fetched text is not repeated)` : d.message}`,
      ),
    };
  }
  return { flow: merged };
}
