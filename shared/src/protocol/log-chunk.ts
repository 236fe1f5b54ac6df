// One piece of a task's log as an executor hands it over, and later as it crosses the wire (DESIGN §5 `log`).
import { z } from 'zod';

export const LogStreamSchema = z.enum(['out', 'err', 'sys']).describe("stdout, stderr, or floe's own lines");
export type LogStream = z.infer<typeof LogStreamSchema>;

/**
 * `text` holds whole lines, each ending in `\n`: a line longer than 64 KiB arrives cut into pieces of at most
 * 64 KiB (each ending `\n`), and a last line without a newline is completed when the process exits. One chunk
 * may hold many lines, so that huge output does not cost one message per line. `sys` lines are floe's own
 * (`$ make test`, `── attempt 2 of 3 ──`, `exited 2`).
 */
export const LogChunkSchema = z.object({
  stream: LogStreamSchema,
  /** When the text was read, in ms since the epoch. */
  at: z.number(),
  text: z.string(),
});
export type LogChunk = z.infer<typeof LogChunkSchema>;
