// Task executors and workspaces (DESIGN §3 rule 4 and 6, §8): what the run driver and `floe run` call.
export { executeTask } from './executors/execute-task.js';
export type { TaskContext } from './executors/task-context.js';
export { killTree } from './process/kill-tree.js';
export { sweepEscapedProcesses } from './process/sweep-escaped.js';
export { type PrepareWorkspaceOptions, prepareWorkspace, type Workspace } from './workspace/prepare-workspace.js';
export { buildTaskEnv } from './workspace/task-env.js';
