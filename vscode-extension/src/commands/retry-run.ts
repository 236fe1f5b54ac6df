// "Retry Run": a new run of the same flow, commit and data (DESIGN §8 "Retry"). Returns the new run's id.
import * as vscode from 'vscode';
import type { FloeServices } from '../floe-services.js';
import { showCommandError } from './command-error.js';
import { type RunArg, runIdOf } from './run-target.js';

export function registerRetryRun({ context, session, startedHere, log }: FloeServices): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('floe.retryRun', async (arg?: RunArg): Promise<string | undefined> => {
      try {
        const { runId } = await session.requireClient().retryRun(runIdOf(arg));
        startedHere.add(runId);
        return runId;
      } catch (err) {
        showCommandError(log, 'cannot retry the run', err);
        return undefined;
      }
    }),
  );
}
