// Shared helpers of the end-to-end tests: real hub and runner processes (built CLI), temp dirs, git repos,
// waiting. Each helper is in its own file; this file only lists them.

export { hostPid } from './host-pid.js';
export { killByEnv } from './kill-by-env.js';
export { GIT_ENV, makeGitRepo } from './make-git-repo.js';
export { killSpawned, type SpawnedProcess, spawnProcess } from './spawn-process.js';
export { type HubOptions, type HubProcess, startHub, TEST_ADMIN_TOKEN } from './start-hub.js';
export { type RunnerOptions, type RunnerProcess, startRunner } from './start-runner.js';
export { makeTempDir, removeTempDirs } from './temp-dir.js';
export { waitFor } from './wait-for.js';
export { FLOE_MAIN, HUB_MAIN, WORKSPACE_ROOT } from './workspace-root.js';
