// "Go to node": from an event tag in `listen` or `wait` to the node that emits it. The linter's node ranges are
// used when the file parses; the tolerant line scan (scan-nodes.ts) otherwise, so it works while typing too.
import { parseFloeFile, parseTag } from '@floe/shared';
import * as vscode from 'vscode';
import { FLOE_SELECTOR } from './floe-selector.js';
import { flowAtLine, scanNodes } from './scan-nodes.js';

export function registerGoToNode(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.languages.registerDefinitionProvider(FLOE_SELECTOR, {
      provideDefinition(document, position) {
        const wordRange = document.getWordRangeAtPosition(position, /[\w.-]+/);
        if (!wordRange) return undefined;
        const tag = parseTag(document.getText(wordRange));
        if (tag.kind === 'unknown' || tag.kind === 'trigger') return undefined;
        const text = document.getText();
        const nodes = scanNodes(text);
        const flow = flowAtLine(text, position.line);
        const scanned = nodes.find((node) => node.flow === flow && node.section === 'tasks' && node.id === tag.node);
        const parsed = parseFloeFile(text);
        const flowId = parsed.flowIds[flow];
        const range = flowId !== undefined ? parsed.nodeRanges[flowId]?.[tag.node] : undefined;
        if (range) {
          return new vscode.Location(
            document.uri,
            new vscode.Range(range.line - 1, range.column - 1, range.line - 1, range.column - 1),
          );
        }
        if (scanned) return new vscode.Location(document.uri, new vscode.Position(scanned.line, scanned.character));
        return undefined;
      },
    }),
  );
}
