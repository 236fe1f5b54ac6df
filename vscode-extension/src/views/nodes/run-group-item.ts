// "Current branch (main)" and "All runs" in the Runs view.
import type { RunSummary } from '@floe/shared';
import * as vscode from 'vscode';

export class RunGroupItem extends vscode.TreeItem {
  readonly kind = 'group';
  constructor(
    readonly group: 'branch' | 'all',
    label: string,
    readonly runs: RunSummary[],
    readonly emptyText: string,
  ) {
    super(label, vscode.TreeItemCollapsibleState.Expanded);
    this.id = `group:${group}`;
    this.description = `${runs.length}`;
    this.iconPath = new vscode.ThemeIcon(group === 'branch' ? 'git-branch' : 'history');
  }
}
