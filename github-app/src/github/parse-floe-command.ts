// `/floe …` in a pull request comment (DESIGN §6). Parsing what a person wrote never throws (CONTRIBUTING.md
// "Findings are values"): a line that is not a command gives undefined, a command we do not know gives `help` with what
// went wrong.

export type FloeCommand =
  | { kind: 'run'; flowId?: string; data: Record<string, string> }
  | { kind: 'cancel'; number?: number }
  | { kind: 'retry'; number?: number }
  | { kind: 'help'; problem?: string };

export const FLOE_HELP = [
  'Commands (people with write access to this repository):',
  '- `/floe run [flow] [key=value …]` runs the flow (without one: every flow with a `comment` trigger) at the head commit of this pull request',
  '- `/floe cancel [run-number]` cancels the runs of this pull request that are still going (or that one)',
  '- `/floe retry [run-number]` runs the last run of each flow of this pull request again (or that one)',
].join('\n');

/** Undefined unless the comment starts with `/floe` (then only its first line counts). */
export function parseFloeCommand(body: string): FloeCommand | undefined {
  const line = body.trimStart().split(/\r?\n/, 1)[0] ?? '';
  const words = line.trim().split(/\s+/);
  if (words[0] !== '/floe') return undefined;
  const [verb, ...args] = words.slice(1);
  switch (verb) {
    case 'run': {
      const data: Record<string, string> = {};
      const names: string[] = [];
      for (const arg of args) {
        const eq = arg.indexOf('=');
        if (eq > 0) data[arg.slice(0, eq)] = arg.slice(eq + 1);
        else names.push(arg);
      }
      if (names.length > 1) return { kind: 'help', problem: `\`/floe run\` takes one flow, got ${names.join(', ')}` };
      return names[0] !== undefined ? { kind: 'run', flowId: names[0], data } : { kind: 'run', data };
    }
    case 'cancel':
    case 'retry': {
      if (args.length === 0) return { kind: verb };
      const number = /^#?([1-9]\d{0,9})$/.exec(args[0] ?? '')?.[1];
      if (args.length > 1 || number === undefined) {
        return { kind: 'help', problem: `\`/floe ${verb}\` takes a run number, got \`${args.join(' ')}\`` };
      }
      return { kind: verb, number: Number(number) };
    }
    case undefined:
      return { kind: 'help' };
    default:
      return { kind: 'help', problem: `unknown command \`/floe ${verb}\`` };
  }
}
