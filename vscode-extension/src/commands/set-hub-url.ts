// "Floe: Set Hub URL": the hub's URL into the `floe.hubUrl` setting (the settings listener reconnects).
import * as vscode from 'vscode';
import { readSettings, storeHubUrl } from '../configuration.js';
import type { FloeServices } from '../floe-services.js';

export function registerSetHubUrl({ context }: FloeServices): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('floe.setHubUrl', async (given?: string): Promise<string | undefined> => {
      const url =
        given ??
        (await vscode.window.showInputBox({
          title: 'Floe: hub URL',
          value: readSettings().hubUrl || 'http://127.0.0.1:4040',
          ignoreFocusOut: true,
          validateInput: (text) => (/^https?:\/\/[^/\s]+/.test(text.trim()) ? undefined : 'an http(s):// URL'),
        }));
      if (url === undefined) return undefined;
      await storeHubUrl(url.trim());
      return url.trim();
    }),
  );
}
