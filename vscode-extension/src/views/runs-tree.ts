// The Runs view: the current branch's runs first, then all runs of the workspace's repository, each run with its
// nodes. Lists come from the session (kept current by the live `runs` topic); an expanded run that is still going
// gets its own live `run` subscription, so its nodes change colour as they finish — pushed, never polled.
import type { LiveConnection, LiveSubscription, RunDetail, RunSummary } from '@floe/shared';
import * as vscode from 'vscode';
import type { HubSession } from '../hub/hub-session.js';
import type { WorkspaceRepoWatcher } from '../workspace-repo-watcher.js';
import { ArtifactItem } from './nodes/artifact-item.js';
import { MessageItem } from './nodes/message-item.js';
import { RunGroupItem } from './nodes/run-group-item.js';
import { RunItem } from './nodes/run-item.js';
import { RunNodeItem } from './nodes/run-node-item.js';
import { runsOnBranch } from './run-presentation.js';

export type RunsTreeItem = RunGroupItem | RunItem | RunNodeItem | ArtifactItem | MessageItem;

/** How many runs each group shows. */
const GROUP_SIZE = 50;

export class RunsTree implements vscode.TreeDataProvider<RunsTreeItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsTreeItem | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly details = new Map<string, RunDetail>();
  private readonly watching = new Map<string, LiveSubscription>();
  private readonly disposables: vscode.Disposable[] = [];
  /** The live connection the run subscriptions belong to; a new one (after a reconnect from scratch) drops them. */
  private liveOwner: LiveConnection | undefined;

  constructor(
    private readonly session: HubSession,
    private readonly workspace: WorkspaceRepoWatcher,
  ) {
    this.disposables.push(
      session.onDidChange(() => this.changed.fire(undefined)),
      session.onRunChanged((run) => {
        // The summary changed: drop a finished run's cached nodes so that an expanded run shows its final state.
        if (run.state === 'archived') this.details.delete(run.id);
      }),
      workspace.onDidChange(() => this.changed.fire(undefined)),
    );
  }

  /** The runs of the workspace's repository (all runs when the hub has none under its names), newest first. */
  repoRuns(): RunSummary[] {
    const runs = this.session.allRuns();
    const names = this.workspace.names;
    const mine = runs.filter((run) => names.includes(run.repo));
    return mine.length > 0 ? mine : runs;
  }

  getTreeItem(item: RunsTreeItem): vscode.TreeItem {
    return item;
  }

  async getChildren(item?: RunsTreeItem): Promise<RunsTreeItem[]> {
    if (item === undefined) {
      const runs = this.repoRuns();
      // Empty: the welcome view for the hub's state shows instead.
      if (runs.length === 0) return [];
      const branch = this.workspace.repo.branch;
      const groups: RunsTreeItem[] = [];
      if (branch !== undefined) {
        groups.push(
          new RunGroupItem(
            'branch',
            `Current branch (${branch})`,
            runsOnBranch(runs, branch).slice(0, GROUP_SIZE),
            `No runs on ${branch} yet.`,
          ),
        );
      }
      groups.push(new RunGroupItem('all', 'All runs', runs.slice(0, GROUP_SIZE), 'No runs yet.'));
      return groups;
    }
    if (item instanceof RunGroupItem) {
      if (item.runs.length === 0) return [new MessageItem(item.emptyText)];
      return item.runs.map((run) => new RunItem(this.session.run(run.id) ?? run, item));
    }
    if (item instanceof RunItem) {
      try {
        const detail = await this.detail(item.run);
        const nodes: RunsTreeItem[] = detail.nodes.map((node) => new RunNodeItem(detail, node, item));
        // Artifacts are kept as tasks end: listed under the nodes, read when the run is expanded or changes.
        const artifacts = await this.session.requireClient().artifacts(detail.id);
        return [...nodes, ...artifacts.map((artifact) => new ArtifactItem(detail, artifact, item))];
      } catch (err) {
        return [new MessageItem(`Cannot load the run: ${err instanceof Error ? err.message : String(err)}`, 'error')];
      }
    }
    return [];
  }

  getParent(item: RunsTreeItem): RunsTreeItem | undefined {
    return item.kind === 'run' || item.kind === 'node' || item.kind === 'artifact' ? item.parent : undefined;
  }

  /** A run with its nodes: cached while a live subscription keeps it current, fetched otherwise. */
  async detail(run: RunSummary): Promise<RunDetail> {
    if (this.liveOwner !== this.session.live) {
      this.liveOwner = this.session.live;
      this.details.clear();
      this.watching.clear();
    }
    const cached = this.details.get(run.id);
    if (cached) return cached;
    const detail = await this.session.requireClient().run(run.id);
    if (detail.state !== 'archived') this.watch(run.id);
    else this.details.set(run.id, detail);
    return detail;
  }

  private watch(runId: string): void {
    const live = this.session.live;
    if (live === undefined || this.watching.has(runId)) return;
    const subscription = live.subscribe(
      { topic: 'run', runId },
      (message) => {
        if (message.type !== 'run') return;
        this.details.set(runId, message.run);
        if (message.run.state === 'archived') {
          this.watching.get(runId)?.close();
          this.watching.delete(runId);
        }
        this.changed.fire(undefined);
      },
      () => this.watching.delete(runId),
    );
    this.watching.set(runId, subscription);
  }

  refresh(): void {
    this.details.clear();
    for (const subscription of this.watching.values()) subscription.close();
    this.watching.clear();
    this.changed.fire(undefined);
  }

  dispose(): void {
    for (const subscription of this.watching.values()) subscription.close();
    for (const disposable of this.disposables) disposable.dispose();
    this.changed.dispose();
  }
}
