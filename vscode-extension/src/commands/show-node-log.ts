// "Show Log" of a node: its live log in a terminal (logs/node-log-terminal.ts). Returns the log terminal
// (tests read what arrived from it). Takes a Runs view node item or `{runId, node}`.
import * as vscode from 'vscode';
import type { FloeServices } from '../floe-services.js';
import type { NodeLogTerminal } from '../logs/node-log-terminal.js';
import { RunNodeItem } from '../views/nodes/run-node-item.js';
import { runLabel } from '../views/run-presentation.js';
import { showCommandError } from './command-error.js';

export function registerShowNodeLog({ context, session, logs, log }: FloeServices): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(
      'floe.showNodeLog',
      (arg: RunNodeItem | { runId: string; node: string }): NodeLogTerminal | undefined => {
        try {
          if (arg instanceof RunNodeItem) {
            return logs.show({ runId: arg.run.id, node: arg.node.id, title: `${runLabel(arg.run)} / ${arg.node.id}` });
          }
          const run = session.run(arg.runId);
          const title = `${run ? runLabel(run) : arg.runId} / ${arg.node}`;
          return logs.show({ runId: arg.runId, node: arg.node, title });
        } catch (err) {
          showCommandError(log, 'cannot show the log', err);
          return undefined;
        }
      },
    ),
  );
}
