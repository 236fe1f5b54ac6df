// FLOE.yaml text → the flows the engine runs, plus every finding about the file with its exact place (DESIGN §3, §8
// "Lint severities"; CONTRIBUTING.md "Findings are values"). One call gives the CLI, the hub and VS Code the complete
// list.
import { LineCounter, parseDocument } from 'yaml';
import { utf8Length } from '../api/utf8-length.js';
import { deriveId, idProblemMessage } from './derive-id.js';
import { type Diagnostic, FILE_START, type Range } from './diagnostic.js';
import { DIAGNOSTIC_CODES } from './diagnostic-codes.js';
import { didYouMean } from './did-you-mean.js';
import { MAX_FLOE_FILE_BYTES } from './flow-limits.js';
import { FlowSchema, type ResolvedFlow } from './flow-schema.js';
import { diagnosticMaker, type FlowSource } from './flow-source.js';
import { applyEdits, commonDiagnostics, legacyChanges } from './legacy-changes.js';
import { lintFlow } from './lint-flow.js';
import { resolveFlow } from './resolve-flow.js';
import { schemaIssueDiagnostics } from './schema-issue-diagnostics.js';
import { type DataPath, type PathPart, type YamlLocator, yamlLocator } from './yaml-locator.js';

export interface ParsedFloeFile {
  /**
   * The flows that have no error, resolved (ids derived, defaults applied), in file order: the ones to run.
   * Every error with a `flowId` blocks that flow. Errors without one block nothing else, except a YAML syntax
   * error outside every flow, which blocks them all (a stray top-level key or a malformed entry of `flows:` does
   * not stop the other flows).
   */
  flows: ResolvedFlow[];
  /** Every error and warning about the file, in file order. */
  diagnostics: Diagnostic[];
  /** The id of every flow whose id could be derived, with or without errors, in file order. */
  flowIds: string[];
  /** For "go to flow": the first line of each flow, by flow id (the last listed when several versions share one). */
  flowRanges: Record<string, Range>;
  /** For "go to node": the whole entry of each trigger and task, by flow id then node id. */
  nodeRanges: Record<string, Record<string, Range>>;
}

/**
 * Parses and lints a FLOE.yaml. Both shapes are accepted: one flow at the top level, or `flows:` with an optional
 * `common:`. An error blocks only the flow it belongs to: the other flows of the file are still returned.
 * Never throws: invalid YAML, a scalar document or binary junk all come back as diagnostics.
 */
export function parseFloeFile(text: string, file = 'FLOE.yaml'): ParsedFloeFile {
  try {
    return parse(text, file);
  } catch (error) {
    return {
      flows: [],
      diagnostics: [
        fileDiagnostic(
          file,
          'unreadable-file',
          `The file could not be read as FLOE.yaml: ${String((error as Error)?.message ?? error)}.`,
          FILE_START,
        ),
      ],
      flowIds: [],
      flowRanges: {},
      nodeRanges: {},
    };
  }
}

function fileDiagnostic(
  file: string,
  code: Diagnostic['code'],
  message: string,
  range: Range,
  hint?: string,
): Diagnostic {
  return { file, ...range, severity: DIAGNOSTIC_CODES[code].severity, code, message, ...(hint ? { hint } : {}) };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function parse(text: string, file: string): ParsedFloeFile {
  const result: ParsedFloeFile = { flows: [], diagnostics: [], flowIds: [], flowRanges: {}, nodeRanges: {} };
  // Counted in bytes, as the limit is told; a text of more characters than the limit has bytes is over it already.
  const bytes = text.length > MAX_FLOE_FILE_BYTES ? text.length : utf8Length(text);
  if (bytes > MAX_FLOE_FILE_BYTES) {
    result.diagnostics.push(
      fileDiagnostic(
        file,
        'file-too-large',
        `The file is ${bytes} bytes; a FLOE.yaml may hold at most 1 MiB (${MAX_FLOE_FILE_BYTES} bytes).`,
        FILE_START,
        'split it with `flow-file:` or trim what no flow uses',
      ),
    );
    return result;
  }
  const lineCounter = new LineCounter();
  // `merge: true`: `<<: *defaults` merge keys, which the original's YAML library (yaml.v2) understood.
  // `logLevel: 'error'`: the library's warnings would go to the process's stderr (e.g. for an unquoted `{{ws}}`
  // read as a mapping key, which the schema then reports as a mapping where a string belongs).
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    merge: true,
    logLevel: 'error',
  });
  const locator = yamlLocator(doc, lineCounter, text);
  const rangeOf = (pos: [number, number]): Range => {
    const from = lineCounter.linePos(Math.min(pos[0], text.length));
    const to = lineCounter.linePos(Math.min(Math.max(pos[1], pos[0]), text.length));
    return to.line > from.line || to.col > from.col
      ? { line: from.line, column: from.col, endLine: to.line, endColumn: to.col }
      : { line: from.line, column: from.col, endLine: from.line, endColumn: from.col + 1 };
  };

  const syntaxErrors: { offset: number; diagnostic: Diagnostic }[] = [];
  for (const error of doc.errors) {
    const duplicate = error.code === 'DUPLICATE_KEY';
    const diagnostic = fileDiagnostic(
      file,
      duplicate ? 'duplicate-key' : 'yaml-syntax',
      duplicate
        ? 'This key appears twice in one mapping.'
        : error.code === 'MULTIPLE_DOCS'
          ? 'A FLOE.yaml holds one YAML document; this one holds several (separated by `---`).'
          : `${firstLine(error.message)}.`,
      rangeOf(error.pos),
    );
    syntaxErrors.push({ offset: error.pos[0], diagnostic });
    result.diagnostics.push(diagnostic);
  }
  const syntaxOffsets = syntaxErrors.map((error) => error.offset);
  for (const warning of doc.warnings) {
    result.diagnostics.push(
      fileDiagnostic(file, 'yaml-warning', `${firstLine(warning.message)}.`, rangeOf(warning.pos)),
    );
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    result.diagnostics.push(fileDiagnostic(file, 'yaml-syntax', `${firstLine((error as Error).message)}.`, FILE_START));
    return result;
  }
  if (data === null || data === undefined) {
    if (doc.errors.length === 0) {
      result.diagnostics.push(
        fileDiagnostic(
          file,
          'empty-file',
          'The file holds no flow.',
          FILE_START,
          'start with `id: my-flow` and `tasks:`',
        ),
      );
    }
    return result;
  }
  if (!isRecord(data)) {
    result.diagnostics.push(
      fileDiagnostic(
        file,
        'not-a-mapping',
        'A FLOE.yaml must be a mapping of keys (one flow, or `flows:`), not a single value or a list.',
        locator.locate([], 'head'),
      ),
    );
    return result;
  }

  const root = diagnosticMaker({ file, locate: (path, part) => locator.locate(path, part) }, undefined);
  const flowEntries: { raw: unknown; basePath: DataPath }[] = [];
  if ('flows' in data || 'common' in data) {
    const allowed = ['common', 'flows'];
    for (const key of Object.keys(data).filter((k) => !allowed.includes(k) && !isExtensionKey(k))) {
      const guess = didYouMean(key, allowed);
      result.diagnostics.push(
        root(
          'unknown-key',
          `Unknown key \`${key}\` beside \`flows:\`.`,
          [key],
          'key',
          guess
            ? `did you mean \`${guess}\`?`
            : 'a file with `flows:` holds only `common:` and `flows:`; put flow keys inside a flow',
        ),
      );
    }
    // `common:` configured the original server; the whole section is ignored, so nothing in it is an error.
    if ('common' in data) result.diagnostics.push(...commonDiagnostics(data.common, root));
    if (!Array.isArray(data.flows)) {
      result.diagnostics.push(
        root(
          data.flows === undefined ? 'missing-key' : 'invalid-value',
          data.flows === undefined ? 'The file has `common:` but no `flows:`.' : '`flows` must be a list of flows.',
          ['flows'],
          'key',
        ),
      );
    } else if (data.flows.length === 0) {
      result.diagnostics.push(
        root('empty-file', 'The file holds no flow: `flows:` is empty.', ['flows'], 'key', 'add a flow under `flows:`'),
      );
    } else {
      data.flows.forEach((raw, index) => {
        flowEntries.push({ raw, basePath: ['flows', index] });
      });
    }
  } else {
    flowEntries.push({ raw: data, basePath: [] });
  }

  // A YAML syntax error inside one flow's text blocks that flow; one outside every flow blocks them all.
  const spans = flowEntries.map(({ basePath }) => locator.nodeAt(basePath)?.range);
  const inside = (offset: number, span: (typeof spans)[number]) => !!span && offset >= span[0] && offset < span[2];
  const homeless = syntaxOffsets.some((offset) => !spans.some((span) => inside(offset, span)));
  const seenFlows = new Set<string>();
  for (const [index, { raw, basePath }] of flowEntries.entries()) {
    const syntaxError = homeless || syntaxOffsets.some((offset) => inside(offset, spans[index]));
    const flow = parseOneFlow(raw, basePath, file, locator, syntaxError);
    result.diagnostics.push(...flow.diagnostics);
    if (!flow.id) continue;
    // Syntax errors inside the flow's text belong to it, so that consumers block this flow and not the file.
    for (const error of syntaxErrors) if (inside(error.offset, spans[index])) error.diagnostic.flowId = flow.id;
    result.flowIds.push(flow.id);
    result.flowRanges[flow.id] = locator.locate(basePath, 'head');
    result.nodeRanges[flow.id] = flow.nodeRanges;
    if (!flow.resolved) continue;
    const key = `${flow.id}@${flow.resolved.ver}`;
    if (seenFlows.has(key)) {
      const at =
        isRecord(raw) && 'id' in raw
          ? [...basePath, 'id']
          : isRecord(raw) && 'name' in raw
            ? [...basePath, 'name']
            : basePath;
      result.diagnostics.push({
        ...root(
          'duplicate-flow',
          `Two flows of this file have the id \`${flow.id}\` and version ${flow.resolved.ver}.`,
          at,
          'value',
          'give one of them another `id` or `ver`',
        ),
        flowId: flow.id,
      });
      continue;
    }
    seenFlows.add(key);
    if (flow.blocked) continue;
    result.flows.push(flow.resolved);
  }
  result.diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
  return result;
}

function parseOneFlow(
  raw: unknown,
  basePath: DataPath,
  file: string,
  locator: YamlLocator,
  syntaxError: boolean,
): {
  id?: string;
  resolved?: ResolvedFlow;
  blocked: boolean;
  diagnostics: Diagnostic[];
  nodeRanges: Record<string, Range>;
} {
  const source: FlowSource = {
    file,
    locate: (path: DataPath, part?: PathPart) => locator.locate([...basePath, ...path], part),
    has: (path: DataPath) => locator.nodeAt([...basePath, ...path]) !== undefined,
  };
  const nodeRanges: Record<string, Range> = {};
  if (!isRecord(raw)) {
    const make = diagnosticMaker(source, undefined);
    return {
      blocked: true,
      nodeRanges,
      diagnostics: [make('not-a-mapping', 'A flow must be a mapping of keys such as `id` and `tasks`.', [], 'head')],
    };
  }
  const identity = deriveId(
    typeof raw.id === 'string' ? raw.id : undefined,
    typeof raw.name === 'string' ? raw.name : undefined,
  );
  const flowId = identity.ok ? identity.id : undefined;
  const make = diagnosticMaker(source, flowId);
  const diagnostics: Diagnostic[] = [];
  if (
    !identity.ok &&
    (raw.id === undefined || typeof raw.id === 'string') &&
    (raw.name === undefined || typeof raw.name === 'string')
  ) {
    const [code, message, hint] = idProblemMessage(identity, 'this flow');
    diagnostics.push(
      make(
        code,
        message,
        raw.id !== undefined ? ['id'] : raw.name !== undefined ? ['name'] : [],
        raw.id !== undefined || raw.name !== undefined ? 'value' : 'head',
        hint,
      ),
    );
  }

  // Keys starting with `x-` hold YAML anchors for `<<:` merges (as in docker-compose); they are not flow keys.
  // The original's spellings the schema does not know are rewritten first (legacy-changes.ts); each is a warning.
  const legacy = legacyChanges(raw);
  const flowData = applyEdits(
    Object.fromEntries(Object.entries(raw).filter(([key]) => !isExtensionKey(key))),
    legacy.flatMap((change) => change.parse),
  );
  const parsed = FlowSchema.safeParse(flowData);
  if (!parsed.success) {
    diagnostics.push(
      ...schemaIssueDiagnostics(parsed.error.issues, {
        schema: FlowSchema,
        data: flowData,
        basePath,
        locator,
        file,
        ...(flowId ? { flowId } : {}),
      }),
    );
  }
  diagnostics.push(...legacy.map((c) => make(c.code, c.message, c.path, c.part, c.hint)));

  let resolved: ResolvedFlow | undefined;
  if (parsed.success && identity.ok) {
    const outcome = resolveFlow(parsed.data, { id: identity.id, name: identity.name }, source);
    diagnostics.push(...outcome.diagnostics);
    if (outcome.flow) {
      resolved = outcome.flow;
      diagnostics.push(...lintFlow(resolved, source));
      resolved.triggers.forEach((trigger, index) => {
        nodeRanges[trigger.id] = source.locate(['triggers', index]);
      });
      resolved.tasks.forEach((node, index) => {
        nodeRanges[node.id] = source.locate(['tasks', index]);
      });
    }
  }
  const blocked = syntaxError || diagnostics.some((d) => d.severity === 'error');
  return { ...(flowId ? { id: flowId } : {}), ...(resolved ? { resolved } : {}), blocked, diagnostics, nodeRanges };
}

/** `x-…` keys at the top of the file or of a flow: places to keep YAML anchors, ignored. */
const isExtensionKey = (key: string): boolean => key.startsWith('x-');

const firstLine = (message: string): string => (message.split('\n')[0] ?? message).replace(/[.:]\s*$/, '');
