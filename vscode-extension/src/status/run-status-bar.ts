// The status-bar item: the latest run of the current branch, updated whenever the hub pushes a change. A click
// shows the Runs view.
import * as vscode from 'vscode';
import type { HubSession } from '../hub/hub-session.js';
import { runDescription, runIcon, runLabel, runsOnBranch } from '../views/run-presentation.js';
import type { RunsTree } from '../views/runs-tree.js';
import type { WorkspaceRepoWatcher } from '../workspace-repo-watcher.js';

export function registerRunStatusBar(
  context: vscode.ExtensionContext,
  session: HubSession,
  runsTree: RunsTree,
  workspace: WorkspaceRepoWatcher,
): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem('floe.latestRun', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Floe: latest run';
  item.command = 'workbench.view.extension.floe';
  const update = () => {
    const latest = runsOnBranch(runsTree.repoRuns(), workspace.repo.branch)[0];
    if (session.state !== 'connected' || latest === undefined) {
      item.hide();
      return;
    }
    const icon = runIcon(latest);
    item.text = `$(${icon.id}) ${runLabel(latest)}`;
    item.tooltip = `Floe: ${runLabel(latest)} — ${runDescription(latest)}`;
    item.color = icon.color ? new vscode.ThemeColor(icon.color) : undefined;
    item.show();
  };
  context.subscriptions.push(item, session.onDidChange(update), workspace.onDidChange(update));
  update();
  return item;
}
