// The extension's one "Floe" output channel (CONTRIBUTING.md "Logging"): short fixed phrases, values after them.
import * as vscode from 'vscode';

export type OutputLog = vscode.LogOutputChannel;

export function createOutputLog(): OutputLog {
  return vscode.window.createOutputChannel('Floe', { log: true });
}
