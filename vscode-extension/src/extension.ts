// The Floe extension (DESIGN §7, issue 6). `activate` reads as a table of contents (CONTRIBUTING.md
// "The dashboard and the extension"): the log, the workspace's repository, the hub session, the views, the status bar,
// one line per command, and the language features last. It returns a small API that the integration suite
// (src/integration/) uses to look inside.
import * as vscode from 'vscode';
import { registerApproveNode } from './commands/approve-node.js';
import { registerArtifactCommands } from './commands/artifact-commands.js';
import { registerCancelRun } from './commands/cancel-run.js';
import { registerCopyRunLink } from './commands/copy-run-link.js';
import { registerOpenInDashboard } from './commands/open-in-dashboard.js';
import { registerRefresh } from './commands/refresh.js';
import { registerRejectNode } from './commands/reject-node.js';
import { registerRetryFromNode } from './commands/retry-from-node.js';
import { registerRetryRun } from './commands/retry-run.js';
import { registerRunLocally } from './commands/run-locally.js';
import { registerSetHubUrl } from './commands/set-hub-url.js';
import { registerShowFailedLog } from './commands/show-failed-log.js';
import { registerShowGraph } from './commands/show-graph.js';
import { registerShowNodeLog } from './commands/show-node-log.js';
import { registerShowRunGraph } from './commands/show-run-graph.js';
import { registerSignIn } from './commands/sign-in.js';
import { registerSignOut } from './commands/sign-out.js';
import { registerStartRun } from './commands/start-run.js';
import { onSettingsChanged } from './configuration.js';
import type { FloeServices } from './floe-services.js';
import { HubSession } from './hub/hub-session.js';
import { registerRunEndNotifications } from './hub/notify-run-end.js';
import { registerCompletion } from './language/completion-provider.js';
import { registerGoToNode } from './language/go-to-node.js';
import { registerHover } from './language/hover-provider.js';
import { registerLintAsYouType } from './language/lint-as-you-type.js';
import { LogTerminals } from './logs/log-terminals.js';
import { createOutputLog } from './output-log.js';
import { registerRunStatusBar } from './status/run-status-bar.js';
import { FlowsTree } from './views/flows-tree.js';
import { RunnersTree } from './views/runners-tree.js';
import { RunsTree, type RunsTreeItem } from './views/runs-tree.js';
import { WorkspaceRepoWatcher } from './workspace-repo-watcher.js';

/** What `activate` returns (the extension's `exports`): for the integration suite, not a public API. */
export interface FloeExtensionApi {
  services: FloeServices;
  flowsTree: FlowsTree;
  runnersTree: RunnersTree;
  diagnostics: vscode.DiagnosticCollection;
  runsView: vscode.TreeView<RunsTreeItem>;
}

export function activate(context: vscode.ExtensionContext): FloeExtensionApi {
  const log = createOutputLog();
  const workspace = new WorkspaceRepoWatcher();
  const session = new HubSession(context.secrets, log);
  const runsTree = new RunsTree(session, workspace);
  const flowsTree = new FlowsTree(session, workspace);
  const runnersTree = new RunnersTree(session);
  const logs = new LogTerminals(session, log);
  context.subscriptions.push(log, workspace, session, runsTree, flowsTree, runnersTree, logs);
  const services: FloeServices = { context, session, workspace, runsTree, logs, log, startedHere: new Set() };

  const runsView = vscode.window.createTreeView('floe.runs', { treeDataProvider: runsTree, showCollapseAll: true });
  context.subscriptions.push(
    vscode.window.createTreeView('floe.flows', { treeDataProvider: flowsTree }),
    runsView,
    vscode.window.createTreeView('floe.runners', { treeDataProvider: runnersTree }),
  );
  registerRunStatusBar(context, session, runsTree, workspace);
  registerRunEndNotifications(services);

  registerSignIn(services);
  registerSignOut(services);
  registerSetHubUrl(services);
  registerRefresh(services);
  registerStartRun(services);
  registerCancelRun(services);
  registerRetryRun(services);
  registerRetryFromNode(services);
  registerApproveNode(services);
  registerRejectNode(services);
  registerOpenInDashboard(services);
  registerCopyRunLink(services);
  registerShowNodeLog(services);
  registerArtifactCommands(services);
  registerShowFailedLog(services);
  registerRunLocally(services);
  registerShowGraph(services);
  registerShowRunGraph(services);

  const diagnostics = registerLintAsYouType(context);
  registerCompletion(context);
  registerHover(context);
  registerGoToNode(context);

  context.subscriptions.push(onSettingsChanged(() => void session.connect()));
  void vscode.commands.executeCommand('setContext', 'floe.hubState', session.state);
  void workspace.read().then(() => session.connect());
  log.info('floe activated', context.extension.packageJSON.version);
  return { services, flowsTree, runnersTree, diagnostics, runsView };
}

export function deactivate(): void {}
