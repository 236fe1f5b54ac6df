// A run's annotations (`::error file=…` in a task's output, failed tests naming a file) as editor diagnostics on
// the workspace's files, while one of the run's logs is open (logs/run-diagnostics.ts). Pure: paths are the
// repository-relative ones the runner made (shared/src/protocol/task-report.ts), lines and columns from 1 there,
// from 0 in VS Code.
import type { RunReportView } from '@floe/shared';
import type { EditorPosition } from '../language/diagnostic-adapter.js';

export interface AnnotationDiagnostic {
  /** Relative to the repository's root, `/`-separated. */
  file: string;
  start: EditorPosition;
  end: EditorPosition;
  severity: 'error' | 'warning' | 'information';
  message: string;
  /** The node that reported it, shown as the diagnostic's source. */
  node: string;
}

const SEVERITY = { error: 'error', warning: 'warning', notice: 'information' } as const;

export function toAnnotationDiagnostics(reports: readonly RunReportView[]): AnnotationDiagnostic[] {
  const out: AnnotationDiagnostic[] = [];
  const at = (line: number | undefined, col: number | undefined): EditorPosition => ({
    line: Math.max(0, (line ?? 1) - 1),
    character: Math.max(0, (col ?? 1) - 1),
  });
  for (const { node, report } of reports) {
    if (report.type === 'annotation' && report.file !== undefined) {
      const start = at(report.line, report.col);
      const endLine = report.endLine ?? report.line;
      // Without a column the whole line is meant: to its end (a large character is clamped by VS Code).
      const end =
        report.col === undefined
          ? { line: at(endLine, 1).line, character: 10_000 }
          : { ...start, character: start.character + 1 };
      const message = report.title ? `${report.title}: ${report.message}` : report.message;
      out.push({ file: report.file, start, end, severity: SEVERITY[report.level], message, node });
    } else if (report.type === 'tests') {
      for (const test of report.failed) {
        if (test.file === undefined) continue;
        const start = at(test.line, 1);
        const name = [test.classname, test.name].filter(Boolean).join(' ');
        const message = `test ${name} failed${test.message ? `: ${test.message}` : ''}`;
        out.push({
          file: test.file,
          start,
          end: { line: start.line, character: 10_000 },
          severity: 'error',
          message,
          node,
        });
      }
    }
  }
  return out;
}
