// Diagnostics as you type: the same parseFloeFile (and so the same lintFlow) as `floe lint` and the hub (DESIGN §7),
// mapped to editor ranges by diagnostic-adapter.ts. A short debounce keeps typing smooth on long files.
import { parseFloeFile } from '@floe/shared';
import * as vscode from 'vscode';
import { toEditorDiagnostics } from './diagnostic-adapter.js';
import { isFloeFile } from './floe-selector.js';

const DEBOUNCE_MS = 150;

export function registerLintAsYouType(context: vscode.ExtensionContext): vscode.DiagnosticCollection {
  const collection = vscode.languages.createDiagnosticCollection('floe');
  const timers = new Map<string, ReturnType<typeof setTimeout>>();

  const lint = (document: vscode.TextDocument) => {
    if (!isFloeFile(document)) return;
    const parsed = parseFloeFile(document.getText(), vscode.workspace.asRelativePath(document.uri));
    collection.set(
      document.uri,
      toEditorDiagnostics(parsed.diagnostics).map((finding) => {
        const diagnostic = new vscode.Diagnostic(
          new vscode.Range(finding.start.line, finding.start.character, finding.end.line, finding.end.character),
          finding.message,
          finding.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
        );
        diagnostic.source = 'floe';
        diagnostic.code = finding.code;
        return diagnostic;
      }),
    );
  };
  const later = (document: vscode.TextDocument) => {
    const key = document.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        lint(document);
      }, DEBOUNCE_MS),
    );
  };

  context.subscriptions.push(
    collection,
    vscode.workspace.onDidOpenTextDocument(lint),
    vscode.workspace.onDidChangeTextDocument((event) => later(event.document)),
    vscode.workspace.onDidCloseTextDocument((document) => collection.delete(document.uri)),
    {
      dispose: () => {
        for (const timer of timers.values()) clearTimeout(timer);
      },
    },
  );
  vscode.workspace.textDocuments.forEach(lint);
  return collection;
}
