// A node (task, merge, end) of a run; a click opens its log (for a failed node: jump to its log).
import type { NodeView, RunSummary } from '@floe/shared';
import * as vscode from 'vscode';
import { nodeContext, nodeDescription, nodeHasLog, nodeIcon } from '../run-presentation.js';
import { themeIcon } from './icon.js';
import type { RunItem } from './run-item.js';

export class RunNodeItem extends vscode.TreeItem {
  readonly kind = 'node';
  constructor(
    readonly run: RunSummary,
    readonly node: NodeView,
    /** The run item it is listed under (for TreeView.reveal). */
    readonly parent: RunItem,
  ) {
    super(
      node.name && node.name !== node.id ? `${node.id} (${node.name})` : node.id,
      vscode.TreeItemCollapsibleState.None,
    );
    this.id = `${parent.id}:${node.id}`;
    this.description = nodeDescription(node);
    this.tooltip = [
      node.type ? `${node.type} ${node.id}` : node.id,
      node.listen ? `listens to ${node.listen}` : '',
      node.reason ?? '',
    ]
      .filter(Boolean)
      .join('\n');
    this.iconPath = themeIcon(nodeIcon(node));
    this.contextValue = nodeContext(node, run);
    if (nodeHasLog(node)) {
      this.command = { command: 'floe.showNodeLog', title: 'Show Log', arguments: [this] };
    }
  }
}
