// How runs and nodes look in the views and the status bar: labels, descriptions, icons and context values, from
// API data alone. Pure, so tested without an editor; the tree nodes only turn these into TreeItems. Node states
// use the words of DESIGN §3 rule 3 everywhere.
import { type NodeState, type NodeView, type RunSummary, UNTRUSTED_SUMMARY } from '@floe/shared';

/** A codicon id and, when it has one, the theme colour id for it. */
export interface IconSpec {
  id: string;
  color?: string;
}

const PASSED = 'testing.iconPassed';
const FAILED = 'testing.iconFailed';
const QUEUED = 'testing.iconQueued';

export function runIcon(run: RunSummary): IconSpec {
  if (run.state === 'pending') return { id: 'clock', color: QUEUED };
  if (run.state === 'active') return { id: 'sync~spin' };
  if (run.result === 'good') return { id: 'pass', color: PASSED };
  if (run.result === 'cancelled') return { id: 'circle-slash' };
  return { id: 'error', color: FAILED };
}

export function runLabel(run: RunSummary): string {
  return `#${run.number} ${run.flowId}`;
}

/**
 * "pending: no runner has tags gpu" · "running on vm-3" · "good" / "bad: task build exited 2 …", plus the ref, and
 * "untrusted" for code from another repository (docs/security.md).
 */
export function runDescription(run: RunSummary): string {
  const where = `${run.ref ? ` · ${shortRef(run.ref)}` : ''}${run.trust === 'untrusted' ? ' · untrusted' : ''}`;
  if (run.state === 'pending') return `pending${run.pendingReason ? `: ${run.pendingReason}` : ''}${where}`;
  if (run.stopping) return `stopping: ${run.stopping}${where}`;
  if (run.state === 'active') return `running${run.runner ? ` on ${run.runner}` : ''}${where}`;
  return `${run.result ?? 'ended'}${where}`;
}

export function runTooltip(run: RunSummary): string {
  const lines = [`${runLabel(run)} (${run.repo})`, runDescription(run)];
  if (run.state === 'pending' && run.pendingReason) lines.push(`Why pending: ${run.pendingReason}`);
  if (run.reason) lines.push(run.reason);
  if (run.trust === 'untrusted') lines.push(`Untrusted: ${UNTRUSTED_SUMMARY}`);
  lines.push(`started by ${run.trigger.by ?? run.trigger.type}`);
  return lines.join('\n');
}

/** Context value words that package.json's menus match: `run`, `cancelable`, `retryable`, `failed`. */
export function runContext(run: RunSummary): string {
  const words = ['run'];
  if (run.state === 'archived') words.push('retryable');
  else if (!run.stopping) words.push('cancelable');
  if (run.state === 'archived' && run.result === 'bad') words.push('failed');
  return words.join(' ');
}

const NODE_ICONS: Record<NodeState, IconSpec> = {
  waiting: { id: 'circle-outline' },
  running: { id: 'sync~spin' },
  'awaiting-input': { id: 'question', color: QUEUED },
  good: { id: 'pass', color: PASSED },
  bad: { id: 'error', color: FAILED },
  error: { id: 'warning', color: FAILED },
  cancelled: { id: 'circle-slash' },
  skipped: { id: 'debug-step-over' },
};

export function nodeIcon(node: NodeView): IconSpec {
  return NODE_ICONS[node.state];
}

export function nodeDescription(node: NodeView): string {
  const exit = node.exitCode !== undefined && node.state !== 'good' ? ` (exit ${node.exitCode})` : '';
  return `${node.state}${exit}${node.reason ? ` · ${node.reason}` : ''}`;
}

/** Whether a node has (or will have) a log: it executed. Merges and never-reached nodes have none. */
export function nodeHasLog(node: NodeView): boolean {
  if (node.type === 'merge') return false;
  return !['waiting', 'skipped'].includes(node.state) || (node.attempt ?? 0) > 0;
}

/**
 * Context value words: `node`, `has-log`, `awaiting-input`, `failed`, and `retry-from` for an executed task of an
 * ended run (DESIGN §8 "Retry": a new run that replays upstream events and executes from this node).
 */
export function nodeContext(node: NodeView, run?: RunSummary): string {
  const words = ['node'];
  if (nodeHasLog(node)) words.push('has-log');
  if (node.state === 'awaiting-input') words.push('awaiting-input');
  if (node.state === 'bad' || node.state === 'error') words.push('failed');
  if (run?.state === 'archived' && node.type !== 'merge' && (node.attempt ?? 0) > 0) words.push('retry-from');
  return words.join(' ');
}

/** The node to open from a failed run: the first bad or erroring node that has a log. */
export function failedNode(nodes: readonly NodeView[]): NodeView | undefined {
  return nodes.find((node) => (node.state === 'bad' || node.state === 'error') && nodeHasLog(node));
}

/** Runs of the repository on a branch, newest first; `refs/heads/x` and `x` both match branch `x`. */
export function runsOnBranch(runs: readonly RunSummary[], branch: string | undefined): RunSummary[] {
  if (branch === undefined) return [];
  return runs.filter((run) => run.ref !== undefined && shortRef(run.ref) === branch);
}

export function shortRef(ref: string): string {
  return ref.replace(/^refs\/(heads|tags)\//, '');
}
