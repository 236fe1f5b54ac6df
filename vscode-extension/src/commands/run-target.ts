// The run a command acts on: a Runs view item, or `{runId}` (palette, tests).
import { RunItem } from '../views/nodes/run-item.js';
import { RunNodeItem } from '../views/nodes/run-node-item.js';

export type RunArg = RunItem | RunNodeItem | { runId: string };

export function runIdOf(arg: RunArg | undefined): string {
  if (arg instanceof RunItem || arg instanceof RunNodeItem) return arg.run.id;
  if (arg && typeof arg.runId === 'string') return arg.runId;
  throw new Error('choose a run in the Runs view');
}
