// Shows why a command failed, in the words the hub or the client used (FloeApiError messages say what to do).
import * as vscode from 'vscode';
import type { OutputLog } from '../output-log.js';

export function showCommandError(log: OutputLog, what: string, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  log.error(what, message);
  void vscode.window.showErrorMessage(`Floe: ${what}: ${message}`);
}
