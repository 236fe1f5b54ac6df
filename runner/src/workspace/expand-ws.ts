const WS = '{{ws}}';

/**
 * The original floe's workspace expansion (DESIGN §3 rule 4), applied to an env value, an arg, a `cmd` word, a fetch
 * `location` or a `sub-dir`:
 * 1. a string with exactly one `=` has only the part after it treated as the value (`--out=./x`);
 * 2. a value that is exactly `.` is the workspace; a leading `./` (but not the Go pattern `./...`) becomes the
 *    workspace followed by `/`;
 * 3. `/{{ws}}` collapses to `{{ws}}`, then every `{{ws}}` becomes `workspace` (absolute, no trailing slash).
 * `$VAR` is not touched here (the original expanded it from its own environment: a bug; see task-env.ts).
 */
export function expandWs(text: string, workspace: string): string {
  const eq = text.indexOf('=');
  const single = eq >= 0 && text.indexOf('=', eq + 1) < 0;
  const prefix = single ? text.slice(0, eq + 1) : '';
  let value = single ? text.slice(eq + 1) : text;
  if (value === '.') value = WS;
  else if (value.startsWith('./') && !value.startsWith('./...')) value = `${WS}/${value.slice(2)}`;
  return `${prefix}${value}`.replaceAll(`/${WS}`, WS).replaceAll(WS, workspace);
}
