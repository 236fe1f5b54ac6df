// ANSI SGR colours in logs (DESIGN §7): a tiny parser that turns one line into styled segments. The state at
// the end of a line carries into the next one, so the log view keeps each line's starting state and renders only
// the lines on screen (the view is virtualised). Escapes other than SGR (cursor moves, OSC titles) are dropped.

/** The SGR state: a basic colour is its 0–15 index (themed by CSS), others are CSS colours. */
export interface AnsiStyle {
  readonly fg?: number | string;
  readonly bg?: number | string;
  readonly bold?: boolean;
  readonly dim?: boolean;
  readonly italic?: boolean;
  readonly underline?: boolean;
  readonly inverse?: boolean;
}

export interface AnsiSegment {
  text: string;
  style: AnsiStyle;
}

export const PLAIN: AnsiStyle = Object.freeze({});

// ESC [ params final | ESC ] … BEL/ST | a lone ESC + one char.
// biome-ignore lint/complexity/useRegexLiterals: the literal would hold raw control characters
const ESCAPES = new RegExp(
  '\\u001b(?:\\[([0-9;:?]*)([@-~])|\\][^\\u0007\\u001b]*(?:\\u0007|\\u001b\\\\)?|[@-Z\\\\-_])',
  'g',
);

/** Splits `line` into segments, starting from `start`; also returns the state at its end. */
export function parseAnsi(line: string, start: AnsiStyle = PLAIN): { segments: AnsiSegment[]; end: AnsiStyle } {
  const segments: AnsiSegment[] = [];
  let style = start;
  let last = 0;
  ESCAPES.lastIndex = 0;
  for (let match = ESCAPES.exec(line); match !== null; match = ESCAPES.exec(line)) {
    if (match.index > last) segments.push({ text: line.slice(last, match.index), style });
    last = ESCAPES.lastIndex;
    if (match[2] === 'm') style = applySgr(style, match[1] ?? '');
  }
  if (last < line.length) segments.push({ text: line.slice(last), style });
  return { segments, end: style };
}

/** The state after `line` without building segments (cheap: lines without ESC are returned at once). */
export function ansiEnd(line: string, start: AnsiStyle): AnsiStyle {
  if (!line.includes('\u001b')) return start;
  return parseAnsi(line, start).end;
}

/** The text without escapes, for search and download. */
export function stripAnsi(line: string): string {
  return line.includes('\u001b') ? line.replace(ESCAPES, '') : line;
}

function applySgr(style: AnsiStyle, params: string): AnsiStyle {
  const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
  let next: { -readonly [K in keyof AnsiStyle]: AnsiStyle[K] } = { ...style };
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i] as number;
    if (code === 0) next = {};
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 7) next.inverse = true;
    else if (code === 22) {
      next.bold = undefined;
      next.dim = undefined;
    } else if (code === 23) next.italic = undefined;
    else if (code === 24) next.underline = undefined;
    else if (code === 27) next.inverse = undefined;
    else if (code >= 30 && code <= 37) next.fg = code - 30;
    else if (code >= 90 && code <= 97) next.fg = code - 90 + 8;
    else if (code === 39) next.fg = undefined;
    else if (code >= 40 && code <= 47) next.bg = code - 40;
    else if (code >= 100 && code <= 107) next.bg = code - 100 + 8;
    else if (code === 49) next.bg = undefined;
    else if (code === 38 || code === 48) {
      const { colour, used } = extendedColour(codes, i + 1);
      if (code === 38) next.fg = colour;
      else next.bg = colour;
      i += used;
    }
  }
  return clean(next);
}

/** `5;n` (256 colours) or `2;r;g;b` (true colour) after a 38/48. */
function extendedColour(codes: number[], at: number): { colour: number | string | undefined; used: number } {
  if (codes[at] === 5) {
    const n = codes[at + 1] ?? 0;
    return { colour: n < 16 ? n : xterm256(n), used: 2 };
  }
  if (codes[at] === 2) {
    const [r, g, b] = [codes[at + 1] ?? 0, codes[at + 2] ?? 0, codes[at + 3] ?? 0];
    return { colour: `rgb(${r},${g},${b})`, used: 4 };
  }
  return { colour: undefined, used: 0 };
}

function xterm256(n: number): string {
  if (n >= 232) {
    const level = 8 + (n - 232) * 10;
    return `rgb(${level},${level},${level})`;
  }
  const cube = n - 16;
  const step = (v: number) => (v === 0 ? 0 : 55 + v * 40);
  return `rgb(${step(Math.floor(cube / 36))},${step(Math.floor(cube / 6) % 6)},${step(cube % 6)})`;
}

function clean(style: { [K in keyof AnsiStyle]: AnsiStyle[K] }): AnsiStyle {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(style)) if (value !== undefined) out[key] = value;
  return Object.keys(out).length === 0 ? PLAIN : (out as AnsiStyle);
}
