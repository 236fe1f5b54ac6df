import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_SUMMARY_BYTES, type SummaryReport } from '@floe/shared';
import { readTaskFile } from './read-task-file.js';

/**
 * `$FLOE_SUMMARY` of one attempt of a task: a file in the workspace's root that the task may write Markdown to
 * (docs/floe-yaml.md "Summaries"). In the workspace because that is the one place every task can write, sandboxed
 * or not; the runner removes it once it has read it.
 */
export function summaryPath(workspace: string, node: string, attempt: number): string {
  return join(workspace, `.floe-summary-${node.replace(/[^\w.-]/g, '_')}-${attempt}.md`);
}

/**
 * The summary the task wrote, masked with `mask` (the run's secrets and its `::add-mask::` values), cut to
 * MAX_SUMMARY_BYTES; undefined when it wrote none (or an empty one). A file that cannot be read (a symlink, a
 * FIFO) comes back as a summary saying so. The file is removed either way.
 */
export function readSummary(path: string, mask: (text: string) => string): SummaryReport | undefined {
  // Read a little past the cap, so that a secret across the cut is whole when masked.
  const read = readTaskFile(path, MAX_SUMMARY_BYTES + 4096);
  // Most tasks write none: nothing to remove then.
  if (read.ok || !read.missing) removeSummary(path);
  if (!read.ok) {
    return read.missing
      ? undefined
      : { type: 'summary', markdown: `_floe could not read the summary: ${read.message}._`, truncated: false };
  }
  const masked = mask(read.bytes.toString('utf8'));
  if (masked.trim() === '') return undefined;
  const bytes = Buffer.from(masked, 'utf8');
  if (bytes.length <= MAX_SUMMARY_BYTES && read.size === read.bytes.length) {
    return { type: 'summary', markdown: masked, truncated: false };
  }
  const note = `\n\n_… cut: the summary was ${read.size} bytes, floe keeps ${MAX_SUMMARY_BYTES}._\n`;
  const room = MAX_SUMMARY_BYTES - Buffer.byteLength(note);
  // A character cut in two decodes to U+FFFD: dropped.
  const head = bytes
    .subarray(0, room)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');
  return { type: 'summary', markdown: head + note, truncated: true };
}

/** Removes the summary file; when the task made it a directory, that stays, the task's own business. */
export function removeSummary(path: string): void {
  try {
    // One unlink(2): rmSync's checks around it cost more than the removal.
    unlinkSync(path);
  } catch {
    // Not a file: nothing of ours to remove.
  }
}
