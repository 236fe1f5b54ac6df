// Completion in FLOE.yaml (floe-completions.ts does the work): keys, types, and the file's own event tags for
// `listen` and `wait`. Dots are trigger characters so `task.` offers the rest of the tags.
import * as vscode from 'vscode';
import { type FloeCompletion, floeCompletions } from './floe-completions.js';
import { FLOE_SELECTOR } from './floe-selector.js';

const KINDS: Record<FloeCompletion['kind'], vscode.CompletionItemKind> = {
  key: vscode.CompletionItemKind.Property,
  value: vscode.CompletionItemKind.EnumMember,
  'event-tag': vscode.CompletionItemKind.Event,
};

export function registerCompletion(context: vscode.ExtensionContext): void {
  const provider: vscode.CompletionItemProvider = {
    provideCompletionItems(document, position) {
      const { items, replaceFrom } = floeCompletions(document.getText(), position.line, position.character);
      const range = new vscode.Range(position.line, replaceFrom, position.line, position.character);
      return items.map((completion) => {
        const item = new vscode.CompletionItem(completion.label, KINDS[completion.kind]);
        item.insertText = completion.snippet ? new vscode.SnippetString(completion.insertText) : completion.insertText;
        item.range = range;
        if (completion.detail) item.detail = completion.detail;
        if (completion.documentation) item.documentation = new vscode.MarkdownString(completion.documentation);
        if (completion.kind === 'key') item.command = { command: 'editor.action.triggerSuggest', title: 'values' };
        return item;
      });
    },
  };
  // Not ':': right after a colon a value would be inserted without its space.
  context.subscriptions.push(vscode.languages.registerCompletionItemProvider(FLOE_SELECTOR, provider, '.', ' '));
}
