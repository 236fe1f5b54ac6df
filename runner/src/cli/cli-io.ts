// What a `floe` command is given to talk to the person: the process's own streams in real use, and the same
// shape in tests that run the built command as a real process.

export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** The directory relative paths are read from. */
  cwd: string;
  /** Whether to colour stdout: it is a terminal and NO_COLOR is not set (https://no-color.org). */
  color: boolean;
}

/** A `floe` command: `runner/src/cli/commands/<name>.ts` exports one as `command`. */
export interface CliCommand {
  name: string;
  /** One line for `floe --help`. */
  summary: string;
  /** The text of `floe <name> --help`. */
  usage: string;
  /** Runs the command; resolves to the exit code (0 ok, 1 failed, 2 usage error). */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** The io of this process. */
export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  };
}

const paint = (code: number) => (io: Pick<CliIo, 'color'>, text: string) =>
  io.color ? `\u001b[${code}m${text}\u001b[0m` : text;
/** ANSI colours, applied only when `io.color` is true. */
export const red = paint(31);
export const yellow = paint(33);
export const bold = paint(1);
export const dim = paint(2);
