import { lastNewline } from './last-newline.js';

/**
 * Masks secret values in log text before it is spooled or sent (DESIGN §3). For each value it masks the raw
 * value, each line of a multi-line value, and its base64 forms (standard and URL-safe, at the three byte
 * alignments a value can have inside a longer encoded text, as GitHub Actions does). Every occurrence becomes
 * `***`, longest first, so a secret containing another is masked whole. Values shorter than 4 characters are not
 * masked (the hub refuses them as secrets): masking `1` or `ab` would mangle every line while protecting nothing.
 *
 * A task adds a value of its own by printing a line `::add-mask::VALUE` (GitHub Actions' command; floe's older
 * `::floe-mask::VALUE` still works): masked from then on, that line included, wherever secrets are masked — the
 * log, annotations and summaries (both read masked output or go through `mask`).
 *
 * Output arrives in chunks that may split a secret in two: `stream()` holds back the end of a chunk that could be
 * the start of a secret (or of a `::floe-mask::` line) until the next chunk or the end shows what it is.
 */
export type SecretMasker = {
  /** Masks a whole text (no holding back). */
  mask(text: string): string;
  /** Masks `value` (and its forms) from now on. */
  add(value: string): void;
  /** A masker for one output stream of one task: `write` each chunk, then `end` for what was held back. */
  stream(): MaskStream;
};

export type MaskStream = { write(text: string): string; end(): string };

export const MIN_MASKED_LENGTH = 4;
const MASK = '***';
const DIRECTIVES = ['::add-mask::', '::floe-mask::'];
const MAX_HELD_LINE = 64 * 1024;

export function maskSecrets(values: Iterable<string>): SecretMasker {
  const forms = new Set<string>();
  let pattern: RegExp | undefined;
  let sorted: string[] = [];

  const add = (value: string) => {
    let changed = false;
    for (const form of secretForms(value)) {
      if (forms.has(form)) continue;
      forms.add(form);
      changed = true;
    }
    if (!changed) return;
    sorted = [...forms].sort((a, b) => b.length - a.length);
    pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
  };
  for (const value of values) add(value);

  /** Reads mask directive lines (complete ones) before masking, so the line masks itself. */
  const mask = (text: string): string => {
    if (DIRECTIVES.some((directive) => text.includes(directive))) {
      for (const line of text.split('\n')) {
        for (const directive of DIRECTIVES) {
          const at = line.indexOf(directive);
          if (at >= 0) add(line.slice(at + directive.length).replace(/\r$/, ''));
        }
      }
    }
    return pattern ? text.replace(pattern, MASK) : text;
  };

  /** How many characters at the end of `text` might begin a secret form or a directive line still being written. */
  const holdback = (text: string): number => {
    const lineStart = lastNewline(text) + 1;
    // A directive line is held whole until its end, but not past MAX_HELD_LINE: a line that long (a task printing
    // megabytes without a newline) goes on, masked with the values it has named so far.
    if (text.length - lineStart <= MAX_HELD_LINE) {
      const lastLine = text.slice(lineStart);
      const start = lastLine.trimStart();
      if (DIRECTIVES.some((d) => lastLine.includes(d) || (start.length > 0 && d.startsWith(start)))) {
        return lastLine.length;
      }
    }
    let longest = 0;
    for (const form of sorted) {
      for (let n = Math.min(form.length - 1, text.length); n > longest; n--) {
        if (text.endsWith(form.slice(0, n))) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  };

  return {
    mask,
    add,
    stream() {
      let held = '';
      return {
        write(text) {
          const all = held + text;
          const keep = holdback(all);
          held = all.slice(all.length - keep);
          return mask(all.slice(0, all.length - keep));
        },
        end() {
          const rest = held;
          held = '';
          return mask(rest);
        },
      };
    },
  };
}

/** The strings masked for one value: itself, each of its lines, and its base64 forms; none shorter than 4. */
export function secretForms(value: string): string[] {
  const forms = new Set<string>();
  const trimmed = value.trim();
  forms.add(value);
  forms.add(trimmed);
  for (const line of value.split(/\r?\n/)) forms.add(line.trim());
  for (const encoded of base64Forms(Buffer.from(value, 'utf8'))) {
    forms.add(encoded);
    forms.add(encoded.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...forms].filter((form) => form.length >= MIN_MASKED_LENGTH);
}

/**
 * The part of the base64 encoding of `bytes` that is the same wherever they sit in a longer text: encoded after 0,
 * 1 or 2 other bytes, the first characters mix in the bytes before and the last ones the bytes after, so those are
 * cut (3 alignments cover every position, as base64 works on 3-byte groups).
 */
function base64Forms(bytes: Buffer): string[] {
  const forms: string[] = [];
  for (const shift of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const start = [0, 2, 3][shift] as number;
    const partial = (shift + bytes.length) % 3 !== 0;
    const form = encoded.slice(start, partial ? encoded.length - 1 : encoded.length);
    if (form.length > 0) forms.push(form);
  }
  return forms;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
