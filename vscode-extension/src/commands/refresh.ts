// "Floe: Refresh": reconnects when not connected, else fetches flows, runs and runners again.
import * as vscode from 'vscode';
import type { FloeServices } from '../floe-services.js';
import { showCommandError } from './command-error.js';

export function registerRefresh({ context, session, runsTree, log }: FloeServices): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('floe.refresh', async () => {
      try {
        if (session.state !== 'connected') await session.connect();
        else await session.refresh();
        runsTree.refresh();
      } catch (err) {
        showCommandError(log, 'refresh failed', err);
      }
    }),
  );
}
