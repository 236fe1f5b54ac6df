// A runner with its tags and what it is running.
import type { RunnerView } from '@floe/shared';
import * as vscode from 'vscode';

export class RunnerItem extends vscode.TreeItem {
  readonly kind = 'runner';
  constructor(readonly runner: RunnerView) {
    super(runner.name, vscode.TreeItemCollapsibleState.None);
    this.id = `runner:${runner.name}`;
    const busy = runner.runs.map((run) => (run.flowId ? `#${run.number ?? '?'} ${run.flowId}` : run.id));
    this.description = [
      runner.connected ? `${runner.runs.length}/${runner.slots} busy` : 'offline',
      runner.tags.length ? runner.tags.join(', ') : '',
    ]
      .filter(Boolean)
      .join(' · ');
    this.tooltip = [
      `tags: ${runner.tags.join(', ') || 'none'}`,
      busy.length ? `running: ${busy.join(', ')}` : 'idle',
    ].join('\n');
    this.iconPath = new vscode.ThemeIcon(runner.connected ? 'vm-running' : 'vm-outline');
  }
}
