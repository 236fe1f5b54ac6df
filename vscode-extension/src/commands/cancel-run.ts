// "Cancel Run" on a pending or active run. The hub answers 202; the run's end arrives through the live API.
import * as vscode from 'vscode';
import type { FloeServices } from '../floe-services.js';
import { showCommandError } from './command-error.js';
import { type RunArg, runIdOf } from './run-target.js';

export function registerCancelRun({ context, session, log }: FloeServices): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('floe.cancelRun', async (arg?: RunArg): Promise<boolean> => {
      try {
        await session.requireClient().cancelRun(runIdOf(arg));
        return true;
      } catch (err) {
        showCommandError(log, 'cannot cancel the run', err);
        return false;
      }
    }),
  );
}
