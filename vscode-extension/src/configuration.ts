// Every `floe.*` setting, read here only (CONTRIBUTING.md "Configuration is read once"), with its default; the token is
// not a setting but lives in VS Code's secret storage (DESIGN §7, issue "Settings").
import * as vscode from 'vscode';

export interface FloeSettings {
  /** The hub's URL without a trailing slash; empty when not configured. */
  hubUrl: string;
  /** The repository as the hub knows it; empty: detect from the workspace. */
  repo: string;
  /** The `floe` command for local runs; empty: detect. */
  floeCommand: string;
  /** Notify when a run started from this window ends (default true). */
  notifyOnRunEnd: boolean;
}

export function readSettings(): FloeSettings {
  const config = vscode.workspace.getConfiguration('floe');
  return {
    hubUrl: config.get<string>('hubUrl', '').trim().replace(/\/+$/, ''),
    repo: config.get<string>('repo', '').trim(),
    floeCommand: config.get<string>('floeCommand', '').trim(),
    notifyOnRunEnd: config.get<boolean>('notifyOnRunEnd', true),
  };
}

/** Calls `listener` when a `floe.*` setting changes. */
export function onSettingsChanged(listener: (settings: FloeSettings) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((event) => {
    if (event.affectsConfiguration('floe')) listener(readSettings());
  });
}

const TOKEN_KEY = 'floe.hubToken';

/** The hub token in secret storage, or undefined. */
export function readToken(secrets: vscode.SecretStorage): Thenable<string | undefined> {
  return secrets.get(TOKEN_KEY);
}

export async function storeToken(secrets: vscode.SecretStorage, token: string | undefined): Promise<void> {
  if (token === undefined) await secrets.delete(TOKEN_KEY);
  else await secrets.store(TOKEN_KEY, token);
}

export async function storeHubUrl(url: string): Promise<void> {
  await vscode.workspace.getConfiguration('floe').update('hubUrl', url, vscode.ConfigurationTarget.Global);
}
