// "Floe: Sign In": asks for an API token (`floe hub` prints the admin one; admins make others with POST /api/tokens)
// and keeps it in secret storage, never in settings. Asks for the hub URL first when none is set.
// Tests pass the token (and URL) as arguments.
import * as vscode from 'vscode';
import { readSettings, storeHubUrl, storeToken } from '../configuration.js';
import type { FloeServices } from '../floe-services.js';
import type { HubState } from '../hub/hub-session.js';

export function registerSignIn({ context, session }: FloeServices): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('floe.signIn', async (token?: string, hubUrl?: string): Promise<HubState> => {
      if (hubUrl !== undefined) await storeHubUrl(hubUrl);
      else if (readSettings().hubUrl === '') {
        const url = await vscode.commands.executeCommand<string | undefined>('floe.setHubUrl');
        if (url === undefined) return session.state;
      }
      const value =
        token ??
        (await vscode.window.showInputBox({
          title: 'Floe: hub API token',
          prompt: 'The token `floe hub` printed, or one an admin made for you',
          password: true,
          ignoreFocusOut: true,
        }));
      if (!value) return session.state;
      await storeToken(context.secrets, value.trim());
      await session.connect();
      return session.state;
    }),
  );
}
