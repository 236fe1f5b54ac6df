// The workspace's repository and branch (workspace-repo.ts), read again when `.git/HEAD` changes (a checkout) or
// when the `floe.repo` setting changes.
import * as vscode from 'vscode';
import { readSettings } from './configuration.js';
import { readWorkspaceRepo, type WorkspaceRepo } from './workspace-repo.js';

export class WorkspaceRepoWatcher implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  repo: WorkspaceRepo = { names: [], branch: undefined };
  private readonly watcher: vscode.FileSystemWatcher | undefined;

  constructor() {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder) {
      this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '.git/HEAD'));
      const reread = () => void this.read();
      this.watcher.onDidChange(reread);
      this.watcher.onDidCreate(reread);
    }
  }

  /** The folder of the workspace, when one is open. */
  get folder(): string | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  /** Names the hub may know this repository by: the `floe.repo` setting first, then what .git says. */
  get names(): string[] {
    const setting = readSettings().repo;
    return setting ? [setting, ...this.repo.names] : this.repo.names;
  }

  async read(): Promise<void> {
    const folder = this.folder;
    this.repo = folder ? await readWorkspaceRepo(folder) : { names: [], branch: undefined };
    this.changed.fire();
  }

  dispose(): void {
    this.watcher?.dispose();
    this.changed.dispose();
  }
}
