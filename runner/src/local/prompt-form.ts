import { createInterface } from 'node:readline/promises';
import type { FormField } from '@floe/shared';
import { checkFormValue } from './check-form-value.js';

/**
 * Asks a person for each field on the terminal (one line each; an empty answer takes the default when there is
 * one), asking again until the value fits the field. Returns the values, or undefined when the input closed
 * (Ctrl-D) or `signal` aborted before every field was answered. Ctrl-C at a prompt calls `onInterrupt` (readline
 * swallows it otherwise, and the run could not be cancelled while it waits for an answer).
 */
export async function promptForm(
  title: string,
  fields: FormField[],
  io: {
    input: NodeJS.ReadableStream;
    output: NodeJS.WritableStream;
    signal?: AbortSignal;
    onInterrupt?: () => void;
  },
): Promise<Record<string, string> | undefined> {
  const rl = createInterface({ input: io.input, output: io.output, terminal: true });
  if (io.onInterrupt) rl.on('SIGINT', io.onInterrupt);
  const closed = new Promise<undefined>((resolve) => rl.once('close', () => resolve(undefined)));
  const values: Record<string, string> = {};
  try {
    io.output.write(`${title}\n`);
    for (const field of fields) {
      const hint =
        field.type === 'select'
          ? ` (${(field.options ?? []).join('/')})`
          : field.type === 'text'
            ? ''
            : ` (${field.type})`;
      const fallback = field.value === undefined ? '' : ` [${String(field.value)}]`;
      for (;;) {
        const answer = await Promise.race([
          rl
            .question(`  ${field.prompt ?? field.id}${hint}${fallback}: `, { signal: io.signal })
            .catch(() => undefined),
          closed,
        ]);
        if (answer === undefined) return undefined;
        if (answer === '' && field.value !== undefined) {
          values[field.id] = String(field.value);
          break;
        }
        if (answer === '' && !field.required) break;
        const checked = checkFormValue(field, answer);
        if ('value' in checked) {
          values[field.id] = checked.value;
          break;
        }
        io.output.write(`  ${checked.error}\n`);
      }
    }
    return values;
  } finally {
    rl.close();
  }
}
