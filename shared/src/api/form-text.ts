import { z } from 'zod';

/**
 * Form values end up in a task's environment (`FLOE_DATA_<FIELD>`) and pass through the runner's framing on the
 * way (runner/src/process/warm-shell.ts). A NUL cannot be in an environment variable at all, other C0 control
 * characters only hide text from a person reading a log or a form (`\e[2K`, `\r` tricks aside, which we keep:
 * tab, newline and carriage return are ordinary text), and a lone surrogate has no UTF-8 form, so it would reach
 * the task as U+FFFD instead of what was sent. Every surface that takes form values (the API's schemas, the hub
 * for `/floe run key=value`, `floe run --data` and its prompts) refuses them with this one check (docs/security.md
 * "Form values").
 */
// With the `u` flag a surrogate pair is one code point above U+FFFF, so the surrogate range matches lone ones only.
const UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff]/u;

/** Why `text` may not be a form value (a short phrase naming the first bad character), or undefined. */
export function formTextProblem(text: string): string | undefined {
  const found = UNSAFE.exec(text);
  if (!found) return undefined;
  const code = found[0].charCodeAt(0);
  const name = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const what =
    code >= 0xd800 ? `a lone surrogate (${name})` : code === 0 ? 'a NUL character' : `a control character (${name})`;
  return `holds ${what} at index ${found.index}; only tab, newline and carriage return are allowed among control characters`;
}

/** A string that may be a form value or a form field's name: see formTextProblem. */
export const FormTextSchema = z.string().superRefine((text, context) => {
  const problem = formTextProblem(text);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});
