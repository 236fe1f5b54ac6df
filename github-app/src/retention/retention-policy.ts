import { z } from '@floe/shared';

const DAY = 24 * 60 * 60 * 1000;

/**
 * How much history a hub keeps. The defaults keep a busy hub (thousands of runs a day) healthy for months: the
 * runs list and run pages stay fast at 100,000 runs (test/bench/store-100k), and a chatty task cannot fill the
 * disk with one log.
 */
export const RetentionPolicySchema = z.object({
  /** Archived runs older than this are deleted with their logs; default 90 days. */
  maxRunAgeMs: z
    .number()
    .int()
    .positive()
    .default(90 * DAY),
  /** Audit entries older than this are deleted; default 365 days (a year of who did what). */
  maxAuditAgeMs: z
    .number()
    .int()
    .positive()
    .default(365 * DAY),
  /** Only the newest this many archived runs of each flow are kept; default 2,000. */
  maxRunsPerFlow: z.number().int().positive().default(2_000),
  /**
   * A node's log over this many bytes keeps its first quarter and last half, with a line saying how much was cut
   * (the end of a log is where failures are); default 16 MiB.
   */
  maxLogBytesPerNode: z
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
  /** How often the sweep runs; default hourly. */
  sweepEveryMs: z
    .number()
    .int()
    .positive()
    .default(60 * 60 * 1000),
  /** Runs deleted or logs capped per batch: the store is held only briefly at a time. */
  batch: z.number().int().positive().default(500),
});
export type RetentionPolicy = z.infer<typeof RetentionPolicySchema>;
