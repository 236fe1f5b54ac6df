// What the commands are given: the parts `activate` made, in one typed object.
import type * as vscode from 'vscode';
import type { HubSession } from './hub/hub-session.js';
import type { LogTerminals } from './logs/log-terminals.js';
import type { OutputLog } from './output-log.js';
import type { RunsTree } from './views/runs-tree.js';
import type { WorkspaceRepoWatcher } from './workspace-repo-watcher.js';

export interface FloeServices {
  context: vscode.ExtensionContext;
  session: HubSession;
  workspace: WorkspaceRepoWatcher;
  runsTree: RunsTree;
  logs: LogTerminals;
  log: OutputLog;
  /** Ids of the runs started from this window (their end is notified). */
  startedHere: Set<string>;
}
