// Annotations of the runs whose logs are open, as diagnostics on the workspace's files ("while the run is in
// view"): set when a run's first log terminal opens, and again when one of its logs ends (reports arrive as tasks
// end); cleared when its last log terminal closes. The workspace's first folder is taken as the repository's root.
import type { FloeClient } from '@floe/shared';
import * as vscode from 'vscode';
import type { OutputLog } from '../output-log.js';
import { toAnnotationDiagnostics } from '../views/annotation-diagnostics.js';

const SEVERITY = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
} as const;

export class RunDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('floe-run');
  /** The diagnostics of each run in view, by file. */
  private readonly byRun = new Map<string, Map<string, vscode.Diagnostic[]>>();

  constructor(private readonly log: OutputLog) {}

  /** (Re)reads the run's annotations and shows them. Never throws: a failure is logged. */
  async show(runId: string, client: FloeClient): Promise<void> {
    const root = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (root === undefined) return;
    try {
      const run = await client.run(runId);
      const files = new Map<string, vscode.Diagnostic[]>();
      for (const found of toAnnotationDiagnostics(run.reports ?? [])) {
        const range = new vscode.Range(found.start.line, found.start.character, found.end.line, found.end.character);
        const diagnostic = new vscode.Diagnostic(range, found.message, SEVERITY[found.severity]);
        diagnostic.source = `floe #${run.number} ${found.node}`;
        const uri = vscode.Uri.joinPath(root, ...found.file.split('/')).toString();
        files.set(uri, [...(files.get(uri) ?? []), diagnostic]);
      }
      this.byRun.set(runId, files);
      this.refresh();
    } catch (err) {
      this.log.warn('cannot read the annotations of run', runId, err instanceof Error ? err.message : String(err));
    }
  }

  forget(runId: string): void {
    if (this.byRun.delete(runId)) this.refresh();
  }

  private refresh(): void {
    const merged = new Map<string, vscode.Diagnostic[]>();
    for (const files of this.byRun.values()) {
      for (const [uri, list] of files) merged.set(uri, [...(merged.get(uri) ?? []), ...list]);
    }
    this.collection.clear();
    for (const [uri, list] of merged) this.collection.set(vscode.Uri.parse(uri), list);
  }

  dispose(): void {
    this.collection.dispose();
  }
}
