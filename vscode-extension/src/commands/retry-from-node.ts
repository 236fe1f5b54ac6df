// "Retry From Here" on a node of an ended run: a new run of the same flow, commit and data that replays the events
// upstream of this node as good and executes from it, on the runner that still holds the first run's workspace
// (DESIGN §8 "Retry"; when none does, the hub says so and the message is shown). Returns the new run's id.
import * as vscode from 'vscode';
import type { FloeServices } from '../floe-services.js';
import type { RunNodeItem } from '../views/nodes/run-node-item.js';
import { showCommandError } from './command-error.js';

export function registerRetryFromNode({ context, session, startedHere, log }: FloeServices): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('floe.retryFromNode', async (item: RunNodeItem): Promise<string | undefined> => {
      try {
        const { runId } = await session.requireClient().retryRun(item.run.id, { from: item.node.id });
        startedHere.add(runId);
        return runId;
      } catch (err) {
        showCommandError(log, `cannot retry from ${item.node.id}`, err);
        return undefined;
      }
    }),
  );
}
