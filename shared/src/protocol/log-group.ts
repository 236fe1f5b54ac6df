// How a folded group (`::group::name` … `::endgroup::` in a task's output) travels inside a node's log: as a
// `sys` line of its own that starts with a SOH control byte. The runner removes every SOH from a task's output
// (runner/src/execution/task-commands.ts), so no task can forge these lines; every log viewer (the dashboard,
// VS Code, `floe run`, the check run) reads them with `logGroupLine` and folds what lies between.

const SOH = '\u0001';
const START = `${SOH}group${SOH}`;
const END = `${SOH}endgroup${SOH}`;

/** The log line (with its `\n`) that opens a group called `name` (control bytes and newlines removed). */
export function groupStartLine(name: string): string {
  return `${START}${name.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 500)}\n`;
}

/** The log line that closes the open group. */
export const GROUP_END_LINE = `${END}\n`;

/** What a log line (without its `\n`) is: a group's start with its name, a group's end, or neither. */
export function logGroupLine(line: string): { start: string } | { end: true } | undefined {
  if (line.charCodeAt(0) !== 1) return undefined;
  if (line.startsWith(START)) return { start: line.slice(START.length) };
  if (line.startsWith(END)) return { end: true };
  return undefined;
}
