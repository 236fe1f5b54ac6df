// A line of text in a view: an empty group, an error fetching a run (such states are nodes: CONTRIBUTING.md
// "The dashboard and the extension").
import * as vscode from 'vscode';

export class MessageItem extends vscode.TreeItem {
  readonly kind = 'message';
  constructor(message: string, icon = 'info') {
    super(message, vscode.TreeItemCollapsibleState.None);
    this.iconPath = new vscode.ThemeIcon(icon);
  }
}
