// What the REST routes and the live API need from the hub (hub.ts): a narrow view of it, so the routes stay thin
// and it is plain which hub verbs the API reaches. Every method rejects with a FloeError for what a client did
// wrong (not found, ambiguous, ended, …), which the error handler answers as `{code, message}`.
import type { Hub } from '../hub.js';

export type HubApi = Pick<
  Hub,
  | 'verifyToken'
  | 'adminRotated'
  | 'createToken'
  | 'listTokens'
  | 'deleteToken'
  | 'rotateAdminToken'
  | 'removeRunner'
  | 'drainRunner'
  | 'audit'
  | 'auditLog'
  | 'createRunnerToken'
  | 'flows'
  | 'flakyTests'
  | 'runs'
  | 'flowTrends'
  | 'deliveries'
  | 'lastResult'
  | 'run'
  | 'runSummary'
  | 'readLog'
  | 'startRun'
  | 'cancelRun'
  | 'retryRun'
  | 'submitData'
  | 'runners'
  | 'secrets'
  | 'artifacts'
  | 'caches'
  | 'onChange'
  | 'problems'
  | 'metrics'
>;
