import { isAbsolute, posix, relative, sep } from 'node:path';
import {
  type Annotation,
  type AnnotationLevel,
  GROUP_END_LINE,
  groupStartLine,
  type LogChunk,
  MAX_ANNOTATIONS_PER_TASK,
} from '@floe/shared';
import { lastNewline } from './last-newline.js';

/**
 * Reads the commands a task prints on its own line, as GitHub Actions workflows do (docs/floe-yaml.md "Commands
 * in task output"), from one attempt's output after masking (mask-secrets.ts has already masked `::add-mask::`
 * values, the command's own line included, so an annotation never holds a secret):
 *
 * - `::error file=F,line=L,endLine=E,col=C,title=T::message` (and `::warning`, `::notice`): an annotation. The
 *   line stays in the log; `file` is made relative to the repository (the workspace) and dropped when it climbs
 *   out. Past MAX_ANNOTATIONS_PER_TASK they are counted, not kept, and a `sys` line says so at the end.
 * - `::group::name` / `::endgroup::`: become floe's group lines (shared/src/protocol/log-group.ts). Groups do not
 *   nest (a new one closes the open one); one left open is closed by floe's next own line (`exited 1`) or when
 *   the task ends.
 *
 * A task's output may not hold the SOH byte that floe's group lines start with: it is removed, so a task cannot
 * forge them. Everything else passes as it came; output without `::` or SOH is not looked at line by line.
 */
export type CommandItem = { chunk: LogChunk } | { annotation: Annotation };

const COMMAND = /^::(error|warning|notice|group|endgroup)(?:[ \t]+([^:]*))?::(.*)$/;
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** A line held this long without its end is not a command: it is handed on as it comes, up to its end. */
const MAX_COMMAND_LINE = 64 * 1024;

export class TaskCommands {
  private readonly partial = new Map<LogChunk['stream'], string>();
  /** Streams inside a line that is not read (too long, or ended by floe's own line): handed on up to its end. */
  private readonly passing = new Set<LogChunk['stream']>();
  private groupOpen = false;
  private kept = 0;
  private dropped = 0;

  /** `workspace`: the absolute path annotations' files are made relative to. */
  constructor(private readonly workspace: string) {}

  /** The log chunks and annotations a (masked) chunk of output makes, in order. */
  write(chunk: LogChunk): CommandItem[] {
    if (chunk.stream === 'sys') {
      // floe's line comes after whatever the task printed before it, an unfinished line included.
      const items = this.endLines(chunk.at);
      if (this.groupOpen) items.push({ chunk: { stream: 'sys', at: chunk.at, text: GROUP_END_LINE } });
      this.groupOpen = false;
      items.push({ chunk });
      return items;
    }
    const items: CommandItem[] = [];
    let text = chunk.text.includes('\u0001') ? chunk.text.replaceAll('\u0001', '') : chunk.text;
    if (this.passing.has(chunk.stream)) {
      const lineEnd = text.indexOf('\n') + 1;
      if (lineEnd === 0) return text === '' ? [] : [{ chunk: { ...chunk, text } }];
      this.passing.delete(chunk.stream);
      items.push({ chunk: { ...chunk, text: text.slice(0, lineEnd) } });
      text = text.slice(lineEnd);
    }
    text = (this.partial.get(chunk.stream) ?? '') + text;
    const end = lastNewline(text) + 1;
    let rest = text.slice(end);
    const whole = text.slice(0, end);
    if (rest.length > MAX_COMMAND_LINE) {
      this.passing.add(chunk.stream);
      if (!whole.includes('::')) {
        this.partial.delete(chunk.stream);
        return joinPlain([...items, { chunk: { ...chunk, text } }]);
      }
    } else {
      this.partial.set(chunk.stream, rest);
      rest = '';
    }
    if (whole !== '') {
      if (whole.includes('::')) items.push(...this.lines(chunk, whole));
      else items.push({ chunk: { ...chunk, text: whole } });
    }
    if (rest !== '') {
      this.partial.delete(chunk.stream);
      items.push({ chunk: { ...chunk, text: rest } });
    }
    return joinPlain(items);
  }

  /** At the end of the attempt: what was held of an unfinished line, the open group's end, and the cap's note. */
  end(at: number): CommandItem[] {
    const items = this.endLines(at);
    this.passing.clear();
    if (this.groupOpen) items.push({ chunk: { stream: 'sys', at, text: GROUP_END_LINE } });
    this.groupOpen = false;
    if (this.dropped > 0) {
      const text = `${this.dropped} more annotation${this.dropped === 1 ? '' : 's'} not kept: at most ${MAX_ANNOTATIONS_PER_TASK} per task\n`;
      items.push({ chunk: { stream: 'sys', at, text } });
    }
    this.dropped = 0;
    return items;
  }

  /** The held unfinished lines, read as lines and handed on as they are (no newline added); what follows them on
   * their streams continues those lines, and is not read. */
  private endLines(at: number): CommandItem[] {
    const items: CommandItem[] = [];
    for (const [stream, rest] of this.partial) {
      if (rest === '') continue;
      const read = this.lines({ stream, at, text: '' }, `${rest}\n`);
      // The newline `lines` ended the last one with is not the task's.
      for (let i = read.length - 1; i >= 0; i--) {
        const item = read[i] as CommandItem;
        if ('chunk' in item && item.chunk.stream === stream) {
          item.chunk = { ...item.chunk, text: item.chunk.text.slice(0, -1) };
          if (item.chunk.text === '') read.splice(i, 1);
          break;
        }
      }
      items.push(...read);
      this.passing.add(stream);
    }
    this.partial.clear();
    return items;
  }

  private lines(chunk: LogChunk, whole: string): CommandItem[] {
    const items: CommandItem[] = [];
    let plain = '';
    const flush = () => {
      if (plain !== '') items.push({ chunk: { ...chunk, text: plain } });
      plain = '';
    };
    for (const line of whole.slice(0, -1).split('\n')) {
      const match = COMMAND.exec(line.trimStart().replace(/\r$/, ''));
      if (!match) {
        plain += `${line}\n`;
        continue;
      }
      const [, command, props = '', data = ''] = match;
      if (command === 'group' || command === 'endgroup') {
        flush();
        if (this.groupOpen) items.push({ chunk: { stream: 'sys', at: chunk.at, text: GROUP_END_LINE } });
        this.groupOpen = command === 'group';
        if (this.groupOpen)
          items.push({ chunk: { stream: 'sys', at: chunk.at, text: groupStartLine(unescapeData(data)) } });
        continue;
      }
      plain += `${line}\n`;
      if (this.kept >= MAX_ANNOTATIONS_PER_TASK) {
        this.dropped++;
        continue;
      }
      this.kept++;
      flush();
      items.push({ annotation: this.annotation(command as AnnotationLevel, props, data) });
    }
    flush();
    return items;
  }

  private annotation(level: AnnotationLevel, props: string, data: string): Annotation {
    const annotation: Annotation = { type: 'annotation', level, message: clean(unescapeData(data), 4096) };
    for (const pair of props.split(',')) {
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      const key = pair.slice(0, eq).trim();
      const value = unescapeProperty(pair.slice(eq + 1).trim());
      if (key === 'file') {
        const file = this.relativeFile(value);
        if (file !== undefined) annotation.file = file;
      } else if (key === 'title') annotation.title = clean(value, 255);
      else if (key === 'line' || key === 'endLine' || key === 'col') {
        const n = Number(value);
        if (Number.isSafeInteger(n) && n > 0) annotation[key] = n;
      }
    }
    if (annotation.endLine !== undefined && (annotation.line === undefined || annotation.endLine < annotation.line)) {
      delete annotation.endLine;
    }
    return annotation;
  }

  /** `file` relative to the repository, `/`-separated; undefined when it climbs out or holds control bytes. */
  private relativeFile(file: string): string | undefined {
    if (file === '' || file.length > 1000 || /[\u0000-\u001f\u007f]/.test(file)) return undefined;
    let rel = file;
    if (isAbsolute(file)) {
      rel = relative(this.workspace, file).split(sep).join('/');
    }
    const normal = posix.normalize(rel.replaceAll('\\', '/'));
    if (normal === '..' || normal.startsWith('../') || normal.startsWith('/') || normal === '.') return undefined;
    return normal.replace(/^\.\//, '');
  }
}

/** Neighbouring chunks of one output stream as one: fewer records for the same bytes. */
function joinPlain(items: CommandItem[]): CommandItem[] {
  if (items.length < 2) return items;
  const out: CommandItem[] = [];
  for (const item of items) {
    const previous = out[out.length - 1];
    const sameStream =
      previous && 'chunk' in previous && 'chunk' in item && previous.chunk.stream === item.chunk.stream;
    if (sameStream && item.chunk.stream !== 'sys') {
      previous.chunk = { ...previous.chunk, text: previous.chunk.text + item.chunk.text };
    } else out.push(item);
  }
  return out;
}

/** GitHub's escapes in a command's message: `%25` `%0D` `%0A`. */
function unescapeData(text: string): string {
  return text.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

/** …and in a property's value also `%3A` and `%2C`. */
function unescapeProperty(text: string): string {
  return unescapeData(text.replace(/%3A/gi, ':').replace(/%2C/gi, ','));
}

/** Colours and control bytes out (newlines and tabs stay), at most `max` characters. */
function clean(text: string, max: number): string {
  const out = text.replace(ANSI, '').replace(/\r\n?/g, '\n').replace(CONTROL, '');
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}
