// A terminal cannot fold, so the log terminal shows a group (`::group::` in a task's output, carried as floe's
// group lines: shared/src/protocol/log-group.ts) as a bold `▸ name` with its lines indented under it. Pure and
// stateful across chunks: a chunk may end inside a line.
import { logGroupLine } from '@floe/shared';

export class LogGroupFolder {
  private partial = '';
  private inGroup = false;

  /** The text to show for the next piece of the log (`\n` line ends; the caller makes them `\r\n`). */
  push(text: string): string {
    const all = this.partial + text;
    const end = all.lastIndexOf('\n') + 1;
    this.partial = all.slice(end);
    let out = '';
    for (const line of all.slice(0, end).split('\n').slice(0, -1)) {
      const group = logGroupLine(line);
      if (group && 'start' in group) {
        this.inGroup = true;
        out += `\x1b[1m▸ ${group.start}\x1b[0m\n`;
      } else if (group) this.inGroup = false;
      else out += `${this.inGroup ? '  ' : ''}${line}\n`;
    }
    return out;
  }

  /** What is left of an unfinished last line. */
  end(): string {
    const rest = this.partial;
    this.partial = '';
    return rest === '' || logGroupLine(rest) ? '' : `${this.inGroup ? '  ' : ''}${rest}`;
  }
}
