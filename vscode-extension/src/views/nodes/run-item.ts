// One run in the Runs view: state icon, "why pending", context actions by its context value.
import type { RunSummary } from '@floe/shared';
import * as vscode from 'vscode';
import { runContext, runDescription, runIcon, runLabel, runTooltip } from '../run-presentation.js';
import { themeIcon } from './icon.js';
import type { RunGroupItem } from './run-group-item.js';

export class RunItem extends vscode.TreeItem {
  readonly kind = 'run';
  constructor(
    readonly run: RunSummary,
    /** The group it is listed in (for TreeView.reveal). */
    readonly parent: RunGroupItem,
  ) {
    super(runLabel(run), vscode.TreeItemCollapsibleState.Collapsed);
    // A run shows in both groups: the id keeps them apart and keeps each one's expansion across refreshes.
    this.id = `${parent.group}:${run.id}`;
    this.description = runDescription(run);
    this.tooltip = runTooltip(run);
    this.iconPath = themeIcon(runIcon(run));
    this.contextValue = runContext(run);
  }
}
