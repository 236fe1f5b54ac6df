// One piece of a task's log as an executor hands it over, and later as it crosses the wire (DESIGN §5 `log`).
import { z } from 'zod';

export const LogStreamSchema = z.enum(['out', 'err', 'sys']).describe("stdout, stderr, or floe's own lines");
export type LogStream = z.infer<typeof LogStreamSchema>;

/**
 * `text` is a piece of one stream, its bytes as the task printed them (nothing added or changed, but secrets
 * masked): usually whole lines, many at once, so that huge output does not cost one message per line, and lines
 * of stdout and stderr do not interleave mid-line. A line longer than 64 KiB arrives in pieces without a newline
 * between them, and a last line without a newline stays without one (a runner older than this cut long lines with
 * newlines and ended a last line with one). `sys` lines are floe's own (`$ make test`, `── attempt 2 of 3 ──`,
 * `exited 2`); each starts on a line of its own, after a newline of its own when the output before it ended
 * mid-line.
 */
export const LogChunkSchema = z.object({
  stream: LogStreamSchema,
  /** When the text was read, in ms since the epoch. */
  at: z.number(),
  text: z.string(),
});
export type LogChunk = z.infer<typeof LogChunkSchema>;
