// "Show Flow Graph": a preview of the open FLOE.yaml's flows as graphs (graph/flow-graph.ts), redrawn as the file
// changes. The webview runs no script: it is a picture.
import { parseFloeFile } from '@floe/shared';
import * as vscode from 'vscode';
import type { FloeServices } from '../floe-services.js';
import { flowGraph, flowGraphSvg, graphColumns } from '../graph/flow-graph.js';
import { isFloeFile } from '../language/floe-selector.js';

export function registerShowGraph({ context }: FloeServices): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('floe.showGraph', async (uri?: vscode.Uri) => {
      const document = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
      if (!document || !isFloeFile(document)) {
        void vscode.window.showInformationMessage('Floe: open a FLOE.yaml to see its graph.');
        return undefined;
      }
      const panel = vscode.window.createWebviewPanel('floe.graph', 'Floe graph', vscode.ViewColumn.Beside, {});
      const render = () => {
        panel.webview.html = graphPage(document.getText());
      };
      render();
      const listener = vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.document === document) render();
      });
      panel.onDidDispose(() => listener.dispose());
      return panel;
    }),
  );
}

function graphPage(text: string): string {
  const parsed = parseFloeFile(text);
  const graphs = parsed.flows.map((flow) => ({ id: flow.id, graph: flowGraph(flow) }));
  // One width for all, so that graphs scaled to fit the panel share one scale.
  const columns = Math.max(0, ...graphs.map(({ graph }) => graphColumns(graph)));
  const sections = graphs.map(({ id, graph }) => `<h2>${id}</h2>${flowGraphSvg(graph, columns)}`);
  const blocked = parsed.flowIds.filter((id) => !parsed.flows.some((flow) => flow.id === id));
  const note = blocked.length ? `<p class="note">Not shown (has errors): ${blocked.join(', ')}</p>` : '';
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';">
<style>
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); }
h2 { font-size: 1.1em; font-weight: 600; }
.node rect { fill: var(--vscode-editor-background); stroke: var(--vscode-focusBorder); stroke-width: 1.5; }
.node.trigger rect { stroke: var(--vscode-charts-blue); }
.node.merge rect { stroke: var(--vscode-charts-purple); }
.node.end rect { stroke: var(--vscode-charts-green); }
svg { max-width: 100%; height: auto; }
text { fill: var(--vscode-foreground); text-anchor: middle; font-size: 12px; }
text.type { fill: var(--vscode-descriptionForeground); font-size: 10px; }
.edge { fill: none; stroke: var(--vscode-charts-green); stroke-width: 1.5; }
.edge.bad { stroke: var(--vscode-charts-red); stroke-dasharray: 4 3; }
marker path { fill: var(--vscode-descriptionForeground); }
.note { color: var(--vscode-descriptionForeground); }
</style></head><body>${sections.join('') || '<p class="note">No flow without errors to draw.</p>'}${note}</body></html>`;
}
