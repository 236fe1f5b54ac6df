// Which documents are FLOE.yaml files: by name, whatever language mode the editor gave them (no YAML extension
// is needed, issue 6).
import type * as vscode from 'vscode';

export const FLOE_SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', pattern: '**/{FLOE,floe}.yaml' },
  { scheme: 'untitled', pattern: '**/{FLOE,floe}.yaml' },
];

export function isFloeFile(document: vscode.TextDocument): boolean {
  return /(^|[\\/])(FLOE|floe)\.yaml$/.test(document.fileName);
}
