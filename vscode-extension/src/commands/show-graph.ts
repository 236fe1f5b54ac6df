// "Show Flow Graph": a preview of the open FLOE.yaml's flows as graphs (graph/flow-graph.ts), redrawn as the file
// changes. The webview runs no script: it is a picture.
import { parseFloeFile } from '@floe/shared';
import * as vscode from 'vscode';
import type { FloeServices } from '../floe-services.js';
import { flowGraph, flowGraphSvg } from '../graph/flow-graph.js';
import { graphPage } from '../graph/graph-page.js';
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
        panel.webview.html = flowsPage(document.getText());
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

function flowsPage(text: string): string {
  const parsed = parseFloeFile(text);
  const graphs = parsed.flows.map((flow) => ({ id: flow.id, graph: flowGraph(flow) }));
  // One width for all, so that graphs scaled to fit the panel share one scale.
  const width = Math.max(0, ...graphs.map(({ graph }) => graph.width));
  const blocked = parsed.flowIds.filter((id) => !parsed.flows.some((flow) => flow.id === id));
  return graphPage(
    graphs.map(({ id, graph }) => ({ title: id, svg: flowGraphSvg(graph, width) })),
    {
      empty: 'No flow without errors to draw.',
      ...(blocked.length ? { note: `Not shown (has errors): ${blocked.join(', ')}` } : {}),
    },
  );
}
