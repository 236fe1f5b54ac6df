import { type Annotation, GROUP_END_LINE, groupStartLine, type LogChunk, MAX_ANNOTATIONS_PER_TASK } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { type CommandItem, TaskCommands } from './task-commands.js';

const out = (text: string): LogChunk => ({ stream: 'out', at: 1, text });
const annotations = (items: CommandItem[]) =>
  items.flatMap((item) => ('annotation' in item ? [item.annotation] : [])) as Annotation[];
const text = (items: CommandItem[]) => items.flatMap((item) => ('chunk' in item ? [item.chunk.text] : [])).join('');

describe('TaskCommands', () => {
  it('reads error, warning and notice commands with their properties, keeping the line in the log', () => {
    const commands = new TaskCommands('/ws/run-1');
    const items = commands.write(
      out(
        'before\n::error file=src/a.ts,line=3,col=7,endLine=4,title=Type%3A bad::Expected 1%2C got 2%0Anext\n  ::warning::careful\n::notice file=/ws/run-1/lib/b.ts::fyi\n',
      ),
    );
    expect(annotations(items)).toEqual([
      {
        type: 'annotation',
        level: 'error',
        message: 'Expected 1%2C got 2\nnext',
        file: 'src/a.ts',
        line: 3,
        endLine: 4,
        col: 7,
        title: 'Type: bad',
      },
      { type: 'annotation', level: 'warning', message: 'careful' },
      { type: 'annotation', level: 'notice', message: 'fyi', file: 'lib/b.ts' },
    ]);
    expect(text(items)).toContain('::error file=src/a.ts');
    // The annotation follows the chunk that ends with its own line, so the driver knows its log line.
    expect(items.map((item) => ('chunk' in item ? 'chunk' : 'annotation'))).toEqual([
      'chunk',
      'annotation',
      'chunk',
      'annotation',
      'chunk',
      'annotation',
    ]);
  });

  it('drops a file that climbs out of the repository or holds control bytes, keeping the annotation', () => {
    const commands = new TaskCommands('/ws/run-1');
    const items = commands.write(
      out(
        '::error file=../../etc/passwd::a\n::error file=/etc/shadow::b\n::error file=src/../../x::c\n::error file=a\u0007b::d\n::error file=src/./ok.ts::e\n',
      ),
    );
    expect(annotations(items).map((a) => a.file)).toEqual([undefined, undefined, undefined, undefined, 'src/ok.ts']);
  });

  it('strips colours and control bytes from messages, and removes SOH so a task cannot forge a group line', () => {
    const commands = new TaskCommands('/ws');
    const items = commands.write(
      out(`::error::\u001b[31mred\u001b[0m\u0000\u0008 bell\u0007\n${groupStartLine('fake')}${GROUP_END_LINE}`),
    );
    expect(annotations(items)[0]?.message).toBe('red bell');
    expect(text(items)).not.toContain('\u0001');
    expect(items.every((item) => !('chunk' in item) || item.chunk.stream === 'out')).toBe(true);
  });

  it('turns group commands into floe group lines, closing an open group at a new one and at the end', () => {
    const commands = new TaskCommands('/ws');
    const items = [
      ...commands.write(out('::group::Install\nnpm ci\n::group::Test\nok\n')),
      ...commands.write(out('::endgroup::\n::endgroup::\nafter\n::group::never closed\nx\n')),
      ...commands.end(2),
    ];
    const chunks = items.flatMap((item) => ('chunk' in item ? [item.chunk] : []));
    expect(chunks.map((c) => `${c.stream}:${c.text}`).join('')).toBe(
      [
        `sys:${groupStartLine('Install')}out:npm ci\n`,
        `sys:${GROUP_END_LINE}sys:${groupStartLine('Test')}out:ok\n`,
        `sys:${GROUP_END_LINE}out:after\n`,
        `sys:${groupStartLine('never closed')}out:x\n`,
        `sys:${GROUP_END_LINE}`,
      ].join(''),
    );
  });

  it('holds a line split across chunks until it is whole', () => {
    const commands = new TaskCommands('/ws');
    expect(commands.write(out('::err'))).toEqual([]);
    expect(annotations(commands.write(out('or::split\n')))).toEqual([
      { type: 'annotation', level: 'error', message: 'split' },
    ]);
  });

  it(`keeps ${MAX_ANNOTATIONS_PER_TASK} annotations of a task and says how many more it dropped`, () => {
    const commands = new TaskCommands('/ws');
    const items = commands.write(out('::warning::spam\n'.repeat(10_000)));
    expect(annotations(items)).toHaveLength(MAX_ANNOTATIONS_PER_TASK);
    const end = commands.end(2);
    expect(text(end)).toBe(
      `${10_000 - MAX_ANNOTATIONS_PER_TASK} more annotations not kept: at most ${MAX_ANNOTATIONS_PER_TASK} per task\n`,
    );
    // Every line still in the log.
    expect(text(items).split('\n')).toHaveLength(10_001);
  });

  it("closes a group left open before floe's own next line, so `exited 1` is never folded away", () => {
    const commands = new TaskCommands('/ws');
    commands.write(out('::group::Build\nmake\n'));
    const sys: LogChunk = { stream: 'sys', at: 2, text: 'exited 1\n' };
    expect(commands.write(sys)).toEqual([{ chunk: { stream: 'sys', at: 2, text: GROUP_END_LINE } }, { chunk: sys }]);
    expect(commands.end(3)).toEqual([]);
  });

  it('passes sys lines and output without commands as they came', () => {
    const commands = new TaskCommands('/ws');
    const sys: LogChunk = { stream: 'sys', at: 1, text: '::error::not a task line\n' };
    expect(commands.write(sys)).toEqual([{ chunk: sys }]);
    expect(commands.write(out('plain\n'))).toEqual([{ chunk: out('plain\n') }]);
  });

  it('hands on a line too long to be a command as it comes, and reads none of its continuation as a command', () => {
    const commands = new TaskCommands('/ws');
    const long = 'x'.repeat(70 * 1024);
    const items = [
      ...commands.write(out(`ok\n${long}`)),
      ...commands.write(out('::error::inside a long line\n::error::a line of its own\n')),
      ...commands.end(2),
    ];
    // Nothing held: the long line went on at once, byte for byte.
    expect(text(items.slice(0, 1))).toBe(`ok\n${long}`);
    expect(text(items)).toBe(`ok\n${long}::error::inside a long line\n::error::a line of its own\n`);
    expect(annotations(items)).toEqual([{ type: 'annotation', level: 'error', message: 'a line of its own' }]);
  });

  it("hands on a last line without a newline as it is, before floe's own next line, and still reads it", () => {
    const commands = new TaskCommands('/ws');
    expect(commands.write(out('one\n::warning::last'))).toEqual([{ chunk: out('one\n') }]);
    const sys: LogChunk = { stream: 'sys', at: 2, text: 'exited 0\n' };
    const items = commands.write(sys);
    expect(items).toEqual([
      { chunk: { stream: 'out', at: 2, text: '::warning::last' } },
      { annotation: { type: 'annotation', level: 'warning', message: 'last' } },
      { chunk: sys },
    ]);
    expect(commands.end(3)).toEqual([]);
  });
});
