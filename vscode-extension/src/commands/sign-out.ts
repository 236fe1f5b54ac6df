// "Floe: Sign Out": forgets the token.
import * as vscode from 'vscode';
import { storeToken } from '../configuration.js';
import type { FloeServices } from '../floe-services.js';

export function registerSignOut({ context, session }: FloeServices): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('floe.signOut', async () => {
      await storeToken(context.secrets, undefined);
      await session.connect();
    }),
  );
}
