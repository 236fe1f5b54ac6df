// The Runners view: every registered runner with its tags and what it runs (the live `runners` topic).
import * as vscode from 'vscode';
import type { HubSession } from '../hub/hub-session.js';
import { RunnerItem } from './nodes/runner-item.js';

export class RunnersTree implements vscode.TreeDataProvider<RunnerItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly session: HubSession) {
    this.subscription = session.onDidChange(() => this.changed.fire(undefined));
  }

  getTreeItem(item: RunnerItem): vscode.TreeItem {
    return item;
  }

  getChildren(): RunnerItem[] {
    return this.session.runners.map((runner) => new RunnerItem(runner));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
