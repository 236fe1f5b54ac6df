// Where the findings about one flow go: its file, and a way to turn a path inside the flow into a range. The
// parser builds one over the YAML; a flow built in code has none, and its findings point at line 1.
import type { Diagnostic, Range } from './diagnostic.js';
import { DIAGNOSTIC_CODES, type DiagnosticCode } from './diagnostic-codes.js';
import type { DataPath, PathPart } from './yaml-locator.js';

/** Where a flow's findings go: the file and a way to turn a path inside the flow into a range. */
export interface FlowSource {
  file: string;
  /** Range of a path relative to the flow, e.g. `['tasks', 2, 'listen']`. */
  locate(path: DataPath, part?: PathPart): Range;
  /** Whether the file holds a value at `path` (so a finding about a derived id can point at `name`). */
  has?(path: DataPath): boolean;
}

/** Builds diagnostics of one flow with the catalogue's severity. */
export function diagnosticMaker(source: FlowSource | undefined, flowId: string | undefined) {
  return (
    code: DiagnosticCode,
    message: string,
    path: DataPath,
    part: PathPart = 'value',
    hint?: string,
  ): Diagnostic => {
    const range = source?.locate(path, part) ?? { line: 1, column: 1, endLine: 1, endColumn: 2 };
    return {
      file: source?.file ?? 'FLOE.yaml',
      ...range,
      severity: DIAGNOSTIC_CODES[code].severity,
      code,
      message,
      ...(hint ? { hint } : {}),
      ...(flowId ? { flowId } : {}),
    };
  };
}
