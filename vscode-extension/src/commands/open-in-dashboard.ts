// "Open in Dashboard": the run's page on the hub (DESIGN §8 "Links and health": /runs/:runId).
import * as vscode from 'vscode';
import type { FloeServices } from '../floe-services.js';
import { showCommandError } from './command-error.js';
import { type RunArg, runIdOf } from './run-target.js';

export function runLink(hubUrl: string, runId: string): string {
  return `${hubUrl}/runs/${encodeURIComponent(runId)}`;
}

export function registerOpenInDashboard({ context, session, log }: FloeServices): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('floe.openInDashboard', async (arg?: RunArg) => {
      try {
        await vscode.env.openExternal(vscode.Uri.parse(runLink(session.hubUrl, runIdOf(arg))));
      } catch (err) {
        showCommandError(log, 'cannot open the dashboard', err);
      }
    }),
  );
}
