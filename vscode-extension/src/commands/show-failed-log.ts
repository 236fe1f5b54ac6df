// "Show Failed Log" on a failed run: jumps to the log of its first bad node.
import * as vscode from 'vscode';
import type { FloeServices } from '../floe-services.js';
import type { NodeLogTerminal } from '../logs/node-log-terminal.js';
import { failedNode, runLabel } from '../views/run-presentation.js';
import { showCommandError } from './command-error.js';
import { type RunArg, runIdOf } from './run-target.js';

export function registerShowFailedLog({ context, session, runsTree, logs, log }: FloeServices): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(
      'floe.showFailedLog',
      async (arg?: RunArg): Promise<NodeLogTerminal | undefined> => {
        try {
          const runId = runIdOf(arg);
          const summary = session.run(runId) ?? (await session.requireClient().run(runId));
          const detail = await runsTree.detail(summary);
          const node = failedNode(detail.nodes);
          if (!node) {
            void vscode.window.showInformationMessage(`Floe: ${runLabel(detail)} has no failed node with a log.`);
            return undefined;
          }
          return logs.show({ runId, node: node.id, title: `${runLabel(detail)} / ${node.id}` });
        } catch (err) {
          showCommandError(log, 'cannot show the failed log', err);
          return undefined;
        }
      },
    ),
  );
}
