// An IconSpec (run-presentation.ts) as a VS Code theme icon.
import * as vscode from 'vscode';
import type { IconSpec } from '../run-presentation.js';

export function themeIcon(spec: IconSpec): vscode.ThemeIcon {
  return new vscode.ThemeIcon(spec.id, spec.color ? new vscode.ThemeColor(spec.color) : undefined);
}
