// A notification when a run started from this window ends, with a button to its log when it failed.
import * as vscode from 'vscode';
import { readSettings } from '../configuration.js';
import type { FloeServices } from '../floe-services.js';
import { runLabel } from '../views/run-presentation.js';

export function registerRunEndNotifications({ context, session, startedHere }: FloeServices): void {
  context.subscriptions.push(
    session.onRunChanged(async (run) => {
      if (run.state !== 'archived' || !startedHere.delete(run.id) || !readSettings().notifyOnRunEnd) return;
      const text = `Floe: ${runLabel(run)} ended ${run.result ?? ''}${run.reason ? ` — ${run.reason}` : ''}`;
      if (run.result === 'bad') {
        const choice = await vscode.window.showErrorMessage(text, 'Show Failed Log');
        if (choice) await vscode.commands.executeCommand('floe.showFailedLog', { runId: run.id });
      } else {
        void vscode.window.showInformationMessage(text);
      }
    }),
  );
}
