// The Flows view: the flows of the workspace's repository as the hub knows them (all flows, with their repository,
// when the hub has none under this repository's names).
import * as vscode from 'vscode';
import type { HubSession } from '../hub/hub-session.js';
import type { WorkspaceRepoWatcher } from '../workspace-repo-watcher.js';
import { FlowItem } from './nodes/flow-item.js';

export class FlowsTree implements vscode.TreeDataProvider<FlowItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly session: HubSession,
    private readonly workspace: WorkspaceRepoWatcher,
  ) {
    this.disposables = [
      session.onDidChange(() => this.changed.fire(undefined)),
      workspace.onDidChange(() => this.changed.fire(undefined)),
    ];
  }

  getTreeItem(item: FlowItem): vscode.TreeItem {
    return item;
  }

  getChildren(): FlowItem[] {
    const names = this.workspace.names;
    const mine = this.session.flows.filter((flow) => names.includes(flow.repo));
    const flows = mine.length > 0 ? mine : this.session.flows;
    return flows.map((flow) => new FlowItem(flow, mine.length === 0));
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
    this.changed.dispose();
  }
}
