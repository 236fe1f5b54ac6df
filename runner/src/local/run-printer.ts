import {
  formatDuration,
  inMatrixOrder,
  logGroupLine,
  type NodeRun,
  parseCacheLine,
  type ResolvedFlow,
  type RunRecord,
  type RunState,
  type TaskReport,
} from '@floe/shared';

/** Where the printer writes: stdout, or stderr under `--json`. */
export interface PrinterOutput {
  write(text: string): unknown;
}

/** Live output of a local run (`floe run`): log lines prefixed by their node, state changes, a final summary. */
export interface RunPrinter {
  /** Prints what a record changed; call it with the driver's state after the record. */
  record(record: RunRecord, state: RunState): void;
  /** The table of nodes and the result line; `reason` overrides the engine's one-line reason. */
  summary(state: RunState, reason?: string): void;
}

const NODE_COLOURS = [36, 35, 33, 34, 32, 96, 95, 93, 94, 92];
const MAX_PREFIX = 24;

/**
 * A printer for one run. With `colour` (stdout is a TTY) each node's prefix has its own colour, stderr lines are
 * red-marked and sys lines dim; without it the output is plain text, the same characters minus the escapes.
 */
export function createRunPrinter(flow: ResolvedFlow, out: PrinterOutput, colour: boolean): RunPrinter {
  const ids = flow.tasks.map((node) => node.id);
  const width = Math.min(MAX_PREFIX, Math.max(4, ...ids.map((id) => id.length)));
  const paint = (code: number | string, text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);
  const prefixes = new Map<string, { out: string; err: string; sys: string }>();
  ids.forEach((id, i) => {
    const name = paint(
      NODE_COLOURS[i % NODE_COLOURS.length] ?? 36,
      id.length > width ? id.slice(0, width) : id.padEnd(width),
    );
    // Plain output separates with an ASCII `|`: a `│` would make every prefixed chunk a two-byte string, which
    // costs five times as much to write (issue 2 benchmark c, a task printing 200 MB into a pipe or file).
    const bar = colour ? '│' : '|';
    prefixes.set(id, { out: `${name} ${bar} `, err: `${name} ${paint(31, '!')} `, sys: `${name} ${paint(2, '·')} ` });
  });
  const seen = new Map<string, { state: NodeRun['state']; attempt: number }>();
  const combinationCount = new Map<string, number>();
  for (const node of flow.tasks) {
    const of = node.class !== 'merge' ? node.combination?.of : undefined;
    if (of !== undefined) combinationCount.set(of, (combinationCount.get(of) ?? 0) + 1);
  }
  /** The nodes inside a `::group::`: a terminal cannot fold, so their lines are indented under its `▸ name`. */
  const grouped = new Set<string>();
  /** Each node's cache outcomes, from its log's cache lines (`hit`, `miss, saved`…), for the summary. */
  const caches = new Map<string, string[]>();

  const line = (text: string) => out.write(`${text}\n`);

  return {
    record(record, state) {
      if (record.kind === 'report') {
        const prefix = prefixes.get(record.node)?.sys ?? `${record.node} | `;
        for (const text of describeReport(record.report)) line(`${prefix}${colour ? paint(1, text) : text}`);
        return;
      }
      if (record.kind === 'log') {
        const group = record.chunk.stream === 'sys' ? logGroupLine(record.chunk.text.replace(/\n$/, '')) : undefined;
        if (group) {
          if ('start' in group) {
            grouped.add(record.node);
            line(`${prefixes.get(record.node)?.sys ?? ''}${paint(1, `▸ ${group.start}`)}`);
          } else grouped.delete(record.node);
          return;
        }
        const base = prefixes.get(record.node)?.[record.chunk.stream] ?? `${record.node} | `;
        const prefix = grouped.has(record.node) && record.chunk.stream !== 'sys' ? `${base}  ` : base;
        const text = record.chunk.text.endsWith('\n') ? record.chunk.text.slice(0, -1) : record.chunk.text;
        const body =
          record.chunk.stream === 'sys' && colour ? paint(2, text).replaceAll('\n', '\x1b[0m\n\x1b[2m') : text;
        // One write per chunk (a chunk holds many lines of a noisy task): the prefix goes in with one native
        // replace instead of a split/join per line, which keeps a 200 MB log cheap (issue 2 benchmark c).
        out.write(`${prefix}${body.replaceAll('\n', `\n${prefix}`)}\n`);
        if (record.chunk.stream === 'sys' && text.startsWith('cache '))
          for (const sysText of text.split('\n')) {
            const cache = parseCacheLine(sysText);
            if (cache) caches.set(record.node, [...(caches.get(record.node) ?? []), cache.outcome]);
          }
        return;
      }
      // `start` too: the nodes fired by trigger.good are running from the first record.
      for (const [id, node] of Object.entries(state.nodes)) {
        const before = seen.get(id);
        if (before?.state === node.state && before.attempt === node.attempt) continue;
        seen.set(id, { state: node.state, attempt: node.attempt });
        const combinations = combinationCount.get(id);
        const change =
          combinations !== undefined && node.state === 'running' && before?.state !== 'running'
            ? { text: `▶ ${id}: ${combinations} combination${combinations === 1 ? '' : 's'}`, colour: 1 }
            : describeChange(id, node, before?.state);
        if (change) line(colour ? paint(change.colour, change.text) : change.text);
      }
    },

    summary(state, reason) {
      // Each matrix task's combinations under it, indented (docs/floe-yaml.md "Matrices").
      const rows = inMatrixOrder(flow.tasks).map((node) => {
        const run = state.nodes[node.id];
        return [
          node.class !== 'merge' && node.combination ? `  ${node.id}` : node.id,
          run?.state ?? 'waiting',
          run?.exitCode === undefined ? '' : String(run.exitCode),
          run?.startedAt !== undefined && run.endedAt !== undefined ? duration(run.endedAt - run.startedAt) : '',
          ...(caches.size > 0 ? [caches.get(node.id)?.join(', ') ?? ''] : []),
        ];
      });
      const header = ['node', 'state', 'exit', 'duration', ...(caches.size > 0 ? ['cache'] : [])];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
      const format = (row: string[]) =>
        row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd();
      line('');
      line(colour ? paint(1, format(header)) : format(header));
      for (const row of rows) line(format(row));
      const ended = state.ended;
      const result = ended?.result ?? 'cancelled';
      const mark = result === 'good' ? '✔' : result === 'bad' ? '✖' : '⊘';
      const text = `${mark} ${result}: ${reason ?? ended?.reason ?? 'the run did not end'} (${duration((ended?.at ?? state.startedAt) - state.startedAt)})`;
      line('');
      line(colour ? paint(result === 'good' ? '1;32' : result === 'bad' ? '1;31' : '1;33', text) : text);
    },
  };
}

/** What a task reported, as lines for the terminal: an annotation, its tests, its summary. */
function describeReport(report: TaskReport): string[] {
  if (report.type === 'annotation') {
    const where = report.file ? `${report.file}${report.line ? `:${report.line}` : ''}: ` : '';
    const mark = report.level === 'error' ? '✖' : report.level === 'warning' ? '⚠' : 'ℹ';
    return [`${mark} ${report.level} ${where}${report.message.replaceAll('\n', ' ')}`];
  }
  if (report.type === 'tests') {
    const passed = report.tests - report.failures - report.errors - report.skipped;
    return [
      `tests: ${report.tests} (${passed} passed, ${report.failures} failed, ${report.errors} errors, ${report.skipped} skipped)`,
      ...report.failed.map(
        (test) =>
          `✖ ${[test.classname, test.name].filter(Boolean).join(' ')}${test.message ? `: ${test.message.split('\n')[0]}` : ''}`,
      ),
      ...report.problems.map((problem) => `⚠ ${problem}`),
    ];
  }
  return [
    'summary:',
    ...report.markdown
      .replace(/\n$/, '')
      .split('\n')
      .map((text) => `  ${text}`),
  ];
}

function describeChange(
  id: string,
  node: NodeRun,
  before: NodeRun['state'] | undefined,
): { text: string; colour: number } | undefined {
  const took =
    node.startedAt !== undefined && node.endedAt !== undefined ? ` (${duration(node.endedAt - node.startedAt)})` : '';
  switch (node.state) {
    case 'running':
      return before === 'running'
        ? { text: `↻ ${id} attempt ${node.attempt}${node.reason ? ` (last: ${node.reason})` : ''}`, colour: 33 }
        : { text: `▶ ${id}`, colour: 1 };
    case 'awaiting-input':
      return { text: `⏸ ${id} awaiting input`, colour: 33 };
    case 'good':
      // A data task filled from the trigger's data says so: nobody answered it.
      return { text: `✔ ${id}${node.reason?.startsWith('filled from') ? ` ${node.reason}` : ''}${took}`, colour: 32 };
    case 'bad':
    case 'error':
      return { text: `✖ ${id} ${node.reason ?? node.state}${took}`, colour: 31 };
    case 'cancelled':
      return { text: `⊘ ${id} cancelled${took}`, colour: 33 };
    default:
      return undefined;
  }
}

/** `1.2s` under ten seconds, `42s`, `1m30s` above: the precision a person reads in a summary. */
function duration(ms: number): string {
  return ms < 10_000 ? `${(ms / 1_000).toFixed(1)}s` : formatDuration(ms);
}
