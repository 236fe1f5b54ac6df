// "Run This Flow Locally": runs the open FLOE.yaml on this machine with `floe run`, in a terminal.
//
// Why a terminal running the `floe` command, rather than the runner's driver bundled into the extension: it is
// the same runner code as `pnpm floe run` by construction (not a second copy that could drift), it keeps execa,
// simple-git and process-group handling out of the editor's process, and the terminal gives for free what `floe
// run` already does well: prompts for the form's fields, the tasks' ANSI colours, and cancel with Ctrl-C (its
// cancel ladder: interrupt, terminate after a grace period, kill) or by closing the terminal.
import { dirname } from 'node:path';
import { parseFloeFile } from '@floe/shared';
import * as vscode from 'vscode';
import { readSettings } from '../configuration.js';
import type { FloeServices } from '../floe-services.js';
import { isFloeFile } from '../language/floe-selector.js';
import { findFloeCommand } from '../local/find-floe-command.js';
import { showCommandError } from './command-error.js';

export function registerRunLocally({ context, log }: FloeServices): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('floe.runLocally', async (uri?: vscode.Uri, flowId?: string) => {
      try {
        const document = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
        if (!document || !isFloeFile(document)) throw new Error('open a FLOE.yaml first');
        if (document.isDirty) await document.save();
        const parsed = parseFloeFile(document.getText());
        let flow = flowId;
        if (flow === undefined && parsed.flowIds.length > 1) {
          flow = await vscode.window.showQuickPick(parsed.flowIds, { title: 'Floe: run which flow locally?' });
          if (flow === undefined) return undefined;
        }
        const cwd = dirname(document.uri.fsPath);
        const floe = findFloeCommand(readSettings().floeCommand, cwd);
        const args = [...floe.args, 'run', document.uri.fsPath, ...(flow ? ['--flow', flow] : [])];
        log.info('local run', floe.command, args.join(' '));
        const terminal = vscode.window.createTerminal({
          name: `Floe run${flow ? `: ${flow}` : ''}`,
          cwd,
          shellPath: floe.command,
          shellArgs: args,
          iconPath: new vscode.ThemeIcon('run'),
        });
        terminal.show();
        return terminal;
      } catch (err) {
        showCommandError(log, 'cannot run locally', err);
        return undefined;
      }
    }),
  );
}
