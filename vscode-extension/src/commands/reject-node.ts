// "Reject" on a `data` task waiting for input: the node goes bad (its task.<id>.bad listeners run).
import * as vscode from 'vscode';
import type { FloeServices } from '../floe-services.js';
import type { RunNodeItem } from '../views/nodes/run-node-item.js';
import { showCommandError } from './command-error.js';

export function registerRejectNode({ context, session, log }: FloeServices): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('floe.rejectNode', async (item: RunNodeItem): Promise<boolean> => {
      try {
        await session.requireClient().submitData(item.run.id, item.node.id, { values: {}, reject: true });
        return true;
      } catch (err) {
        showCommandError(log, `cannot reject ${item.node.id}`, err);
        return false;
      }
    }),
  );
}
