// "Download Artifact…" (to a folder the person picks) and "Open Artifact" (downloaded to the extension's storage and
// opened: a one-file artifact in an editor, a folder revealed in the Explorer of the OS). Both take an artifact item
// of the Runs view; both return what they saved (tests read it).
import path from 'node:path';
import * as vscode from 'vscode';
import { saveArtifact } from '../artifacts/save-artifact.js';
import type { FloeServices } from '../floe-services.js';
import type { ArtifactItem } from '../views/nodes/artifact-item.js';
import { showCommandError } from './command-error.js';

export function registerArtifactCommands({ context, session, log }: FloeServices): void {
  const save = async (item: ArtifactItem, folder: string) =>
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Downloading ${item.artifact.name}…` },
      () => saveArtifact(session.requireClient(), item.run.id, item.artifact, folder),
    );
  context.subscriptions.push(
    vscode.commands.registerCommand('floe.downloadArtifact', async (item: ArtifactItem, to?: string) => {
      try {
        let folder = to;
        if (folder === undefined) {
          const picked = await vscode.window.showOpenDialog({
            canSelectFiles: false,
            canSelectFolders: true,
            openLabel: 'Download here',
          });
          folder = picked?.[0]?.fsPath;
        }
        if (folder === undefined) return undefined;
        const saved = await save(item, path.join(folder, item.artifact.name));
        void vscode.window.showInformationMessage(`Saved ${saved.length} files of ${item.artifact.name} to ${folder}.`);
        return saved;
      } catch (err) {
        showCommandError(log, 'cannot download the artifact', err);
        return undefined;
      }
    }),
    vscode.commands.registerCommand('floe.openArtifact', async (item: ArtifactItem) => {
      try {
        const folder = path.join(context.globalStorageUri.fsPath, 'artifacts', item.run.id, item.artifact.name);
        const saved = await save(item, folder);
        const [first] = saved;
        if (saved.length === 1 && first !== undefined) await vscode.window.showTextDocument(vscode.Uri.file(first));
        else await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(folder));
        return saved;
      } catch (err) {
        showCommandError(log, 'cannot open the artifact', err);
        return undefined;
      }
    }),
  );
}
