// A flow of the workspace's repository, as the hub knows it; "Start Run" sits inline.
import type { FlowSummary } from '@floe/shared';
import * as vscode from 'vscode';

export class FlowItem extends vscode.TreeItem {
  readonly kind = 'flow';
  constructor(
    readonly flow: FlowSummary,
    showRepo: boolean,
  ) {
    super(
      flow.name && flow.name !== flow.id ? `${flow.id} (${flow.name})` : flow.id,
      vscode.TreeItemCollapsibleState.None,
    );
    this.id = `flow:${flow.repo}:${flow.id}`;
    const triggers = flow.triggers.map((trigger) => trigger.type).join(', ');
    this.description = [showRepo ? flow.repo : '', triggers].filter(Boolean).join(' · ');
    this.tooltip = flow.errors?.length
      ? `Cannot run:\n${flow.errors.join('\n')}`
      : `${flow.repo}: ${flow.id} v${flow.ver}`;
    this.iconPath = new vscode.ThemeIcon(flow.errors?.length ? 'warning' : 'symbol-event');
    this.contextValue = 'flow';
  }
}
