// The one place where the linter's findings become editor diagnostics (CONTRIBUTING.md
// "The dashboard and the extension"). The linter counts lines and columns from 1 with an exclusive end column
// (shared/src/flow/diagnostic.ts); VS Code counts both from 0 with an exclusive end character. Pure: the vscode-facing
// part (lint-as-you-type.ts) only wraps these values.
import type { Diagnostic } from '@floe/shared';

export interface EditorPosition {
  line: number;
  character: number;
}

export interface EditorDiagnostic {
  start: EditorPosition;
  end: EditorPosition;
  severity: 'error' | 'warning';
  /** The linter's message, with its hint after it when there is one. */
  message: string;
  code: string;
}

/** Maps findings to 0-based editor ranges; an empty or inverted range grows to one character so it stays visible. */
export function toEditorDiagnostics(diagnostics: readonly Diagnostic[]): EditorDiagnostic[] {
  return diagnostics.map((diagnostic) => {
    const start = { line: diagnostic.line - 1, character: diagnostic.column - 1 };
    let end = { line: diagnostic.endLine - 1, character: diagnostic.endColumn - 1 };
    if (end.line < start.line || (end.line === start.line && end.character <= start.character)) {
      end = { line: start.line, character: start.character + 1 };
    }
    const message = diagnostic.hint ? `${diagnostic.message} (${diagnostic.hint})` : diagnostic.message;
    return { start, end, severity: diagnostic.severity, message, code: diagnostic.code };
  });
}
