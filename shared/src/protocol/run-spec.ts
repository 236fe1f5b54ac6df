import { z } from 'zod';
import { ResolvedFlowSchema } from '../flow/flow-schema.js';
import { TrustSchema } from './trust.js';

/**
 * Everything a runner needs to execute a run, sent with the offer. The flow is the one resolved at the
 * triggering commit (DESIGN §4); the runner never reads FLOE.yaml itself.
 */
export const RunSpecSchema = z.object({
  id: z.string(),
  number: z.number().int().positive(),
  /** Parsed whole when the offer arrives: a runner never runs a flow it cannot read completely. */
  flow: ResolvedFlowSchema,
  repo: z.string().optional(),
  ref: z.string().optional(),
  sha: z.string().optional(),
  /** Where git-checkout clones from by default (a path or URL the runner can reach). */
  cloneUrl: z.string().optional(),
  /**
   * A GitHub token minted for this run, for `cloneUrl` only (one repository, `contents: read`): git-checkout gives it
   * to git for that URL over https, never to a task's environment, another host or `.git/config`. Never logged,
   * never stored by the runner.
   */
  token: z.string().optional(),
  /** The id of the flow trigger that started the run; absent for a person's start (see `firedTrigger`). */
  trigger: z.string().optional(),
  /**
   * How far the run's code is trusted (trust.ts). A hub that does not say is not trusted: an untrusted run loses
   * nothing it needs, a trusted one could be given what it must not have.
   */
  trust: TrustSchema.default('untrusted'),
  /**
   * An untrusted run's own repositories (the base, and the pull request's head repository when known): the only
   * URLs its git-checkout tasks may fetch. `cloneUrl` is always allowed.
   */
  checkoutUrls: z.array(z.string()).optional(),
  /**
   * Whether an untrusted run's tasks may use the network inside a runner's sandbox (the hub's
   * `--untrusted-network`); absent: they may not. Trusted runs always may.
   */
  network: z.boolean().optional(),
  data: z.record(z.string(), z.string()).default({}),
  /** Retry from a node (DESIGN §8 "Retry"): the run whose workspace and results are reused. */
  replay: z.object({ from: z.string(), previousRunId: z.string(), previous: z.unknown() }).optional(),
  /**
   * The hub's cap on one node's log in bytes (`--log-cap-mb`): the runner keeps the log's head and tail within it
   * as it streams (runner/src/execution/log-cap.ts). None: no cap (local runs).
   */
  logCapBytes: z.number().int().positive().optional(),
  /** Values for `{{secret.NAME}}` in env (DESIGN §3); masked in every log line before it is spooled. */
  secrets: z.record(z.string(), z.string()).default({}),
});
export type RunSpec = z.infer<typeof RunSpecSchema>;
