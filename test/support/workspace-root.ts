import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const WORKSPACE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/**
 * The built `floe` command and `floe-hub` program (tests run them as real processes); the global setup
 * (build-for-tests.ts) builds them before any test runs.
 */
export const FLOE_MAIN = resolve(WORKSPACE_ROOT, 'runner/dist/cli/main.js');
export const HUB_MAIN = resolve(WORKSPACE_ROOT, 'github-app/dist/main.js');
