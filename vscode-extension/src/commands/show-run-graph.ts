// "Show Run Graph" on a run: its nodes as a graph coloured by state (DESIGN §7), redrawn from the live `run` topic
// as nodes start and finish — pushed, not polled. Returns the panel.
import type { RunDetail } from '@floe/shared';
import * as vscode from 'vscode';
import type { FloeServices } from '../floe-services.js';
import { flowGraphSvg, runGraph } from '../graph/flow-graph.js';
import { graphPage } from '../graph/graph-page.js';
import { runDescription, runLabel } from '../views/run-presentation.js';
import { showCommandError } from './command-error.js';
import { type RunArg, runIdOf } from './run-target.js';

export function registerShowRunGraph({ context, session, log }: FloeServices): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('floe.showRunGraph', async (arg?: RunArg) => {
      try {
        const runId = runIdOf(arg);
        const first = await session.requireClient().run(runId);
        const panel = vscode.window.createWebviewPanel('floe.runGraph', runLabel(first), vscode.ViewColumn.Active, {});
        const render = (run: RunDetail) => {
          panel.webview.html = graphPage(
            [{ title: `${runLabel(run)} — ${runDescription(run)}`, svg: flowGraphSvg(runGraph(run)) }],
            {
              empty: '',
              ...(run.reason ? { note: run.reason } : {}),
            },
          );
        };
        render(first);
        const subscription = session.live?.subscribe({ topic: 'run', runId }, (message) => {
          if (message.type === 'run') render(message.run);
        });
        panel.onDidDispose(() => subscription?.close());
        return panel;
      } catch (err) {
        showCommandError(log, 'cannot show the run graph', err);
        return undefined;
      }
    }),
  );
}
