// Hover documentation in FLOE.yaml (floe-hover.ts): every key, and who emits an event tag.
import * as vscode from 'vscode';
import { floeHover } from './floe-hover.js';
import { FLOE_SELECTOR } from './floe-selector.js';

export function registerHover(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.languages.registerHoverProvider(FLOE_SELECTOR, {
      provideHover(document, position) {
        const hover = floeHover(document.getText(), position.line, position.character);
        if (!hover) return undefined;
        return new vscode.Hover(
          new vscode.MarkdownString(hover.markdown),
          new vscode.Range(hover.line, hover.start, hover.line, hover.end),
        );
      },
    }),
  );
}
