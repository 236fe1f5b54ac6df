// "Copy Link": the run's dashboard URL to the clipboard. Returns it.
import * as vscode from 'vscode';
import type { FloeServices } from '../floe-services.js';
import { showCommandError } from './command-error.js';
import { runLink } from './open-in-dashboard.js';
import { type RunArg, runIdOf } from './run-target.js';

export function registerCopyRunLink({ context, session, log }: FloeServices): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('floe.copyRunLink', async (arg?: RunArg): Promise<string | undefined> => {
      try {
        const link = runLink(session.hubUrl, runIdOf(arg));
        await vscode.env.clipboard.writeText(link);
        vscode.window.setStatusBarMessage('Floe: link copied', 3000);
        return link;
      } catch (err) {
        showCommandError(log, 'cannot copy the link', err);
        return undefined;
      }
    }),
  );
}
