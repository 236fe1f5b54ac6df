// What a run's check run says (DESIGN §6): a conclusion, a title, a summary table of the nodes with their
// state and duration, the tail of each failing node's log, and a link to the run in the dashboard — always
// within GitHub's limits (65,535 characters per text field).
import { type ArtifactView, formatDuration, type NodeView, type RunDetail, type RunSummary } from '@floe/shared';

/** GitHub's limit for `output.summary` and `output.text`, in characters (we count UTF-8 bytes: never more). */
export const MAX_CHECK_TEXT = 65_535;
/** How much of a failing node's log the check run shows. */
export const LOG_TAIL_LINES = 40;
const LOG_TAIL_BYTES = 8_000;
/** Colour and cursor codes: the dashboard renders them, a check run would show them raw. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g');

export type CheckConclusion = 'success' | 'failure' | 'cancelled' | 'timed_out';

/** DESIGN §3 rule 3: good → success, bad → failure (timed_out when the reason is a timeout), cancelled → cancelled. */
export function conclusionOf(run: Pick<RunSummary, 'result' | 'reasonCode'>): CheckConclusion {
  if (run.result === 'good') return 'success';
  if (run.result === 'cancelled') return 'cancelled';
  return run.reasonCode === 'timeout' ? 'timed_out' : 'failure';
}

export const FAILED_STATES = new Set<NodeView['state']>(['bad', 'error']);

export type CheckOutput = { title: string; summary: string; text?: string };

/**
 * The output of a finished (or running) run; `tails` holds the log tail of each failing node; `artifacts` the run's
 * artifacts, listed with a link to them on the run's page (downloading needs a token, which GitHub has not).
 */
export function checkRunOutput(
  run: RunDetail,
  tails: ReadonlyMap<string, string>,
  link: string,
  artifacts: readonly ArtifactView[] = [],
): CheckOutput {
  const head =
    run.state === 'archived'
      ? `Run #${run.number} of ${run.flowId}: ${run.result ?? 'ended'}${run.reason ? ` — ${run.reason}` : ''}`
      : `Run #${run.number} of ${run.flowId}: ${run.state}${run.pendingReason ? ` — ${run.pendingReason}` : ''}`;
  const rows = run.nodes.map((node) => `| ${cell(node.name ?? node.id)} | ${stateCell(node)} | ${durationOf(node)} |`);
  const summary = [
    `${head}`,
    '',
    `[Open run #${run.number} in floe](${link})`,
    '',
    '| node | state | duration |',
    '| --- | --- | --- |',
    ...rows,
    ...artifactLines(artifacts, link),
  ].join('\n');
  const failing = run.nodes.filter((node) => FAILED_STATES.has(node.state));
  const sections = failing.map((node) => {
    const tail = tails.get(node.id) ?? '';
    const why = node.reason ? `\n${node.reason}\n` : '';
    return `### ${cell(node.name ?? node.id)} (${stateCell(node)})\n${why}\n\`\`\`text\n${fence(tail) || '(no output)'}\n\`\`\``;
  });
  const title = clip(run.reason ?? head, 1_000);
  const output: CheckOutput = { title, summary: clip(summary, MAX_CHECK_TEXT) };
  if (sections.length > 0) output.text = clip(sections.join('\n\n'), MAX_CHECK_TEXT);
  return output;
}

/** `Artifacts: [dist](…#artifacts) (3 files, 1.2 MiB) · …`, or nothing when the run kept none. */
function artifactLines(artifacts: readonly ArtifactView[], link: string): string[] {
  const stored = artifacts.filter((artifact) => artifact.state === 'stored');
  if (stored.length === 0) return [];
  const items = stored.map(
    (artifact) =>
      `[${cell(artifact.name)}](${link}#artifacts) (${artifact.files.length} ${artifact.files.length === 1 ? 'file' : 'files'}, ${size(artifact.size)})`,
  );
  return ['', `Artifacts: ${items.join(' · ')}`];
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The last LOG_TAIL_LINES lines (at most LOG_TAIL_BYTES) of a log. */
export function logTail(log: string): string {
  const lines = log.replace(ANSI, '').replace(/\n$/, '').split('\n');
  const tail = lines.slice(-LOG_TAIL_LINES).join('\n');
  return utf8Bytes(tail) <= LOG_TAIL_BYTES ? tail : `…${clipStart(tail, LOG_TAIL_BYTES)}`;
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes, ending with a note, never inside a character. */
export function clip(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  const note = '\n… (cut to fit GitHub’s limit; the whole log is in floe)';
  const room = maxBytes - utf8Bytes(note);
  const buf = Buffer.from(text, 'utf8').subarray(0, room);
  // A partial character at the cut decodes to U+FFFD: drop it.
  return buf.toString('utf8').replace(/\uFFFD+$/, '') + note;
}

function clipStart(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  return buf
    .subarray(buf.length - maxBytes)
    .toString('utf8')
    .replace(/^\uFFFD+/, '');
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function durationOf(node: NodeView): string {
  if (node.startedAt === undefined) return '';
  if (node.endedAt === undefined) return 'running';
  return formatDuration(node.endedAt - node.startedAt);
}

function stateCell(node: NodeView): string {
  return node.exitCode !== undefined ? `${node.state} (exit ${node.exitCode})` : node.state;
}

/** Markdown table cells cannot hold pipes or newlines. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** Keeps a log from closing the code fence it is shown in. */
function fence(text: string): string {
  return text.replace(/```/g, '`\u200b``');
}
