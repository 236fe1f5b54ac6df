/**
 * A masker for secret values in log text (DESIGN §3: `{{secret.NAME}}` values are masked in logs). Every
 * occurrence of a value becomes `***`; longer values are replaced first so that a secret containing another
 * is masked whole. Values shorter than 3 characters are not masked: masking `1` or `a` would mangle every line
 * while protecting nothing. Returns the identity when there is nothing to mask, so the log path pays nothing.
 */
export function maskSecrets(values: Iterable<string>): (text: string) => string {
  const secrets = [...new Set(values)].filter((value) => value.length >= 3).sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return (text) => text;
  const pattern = new RegExp(secrets.map(escapeRegExp).join('|'), 'g');
  return (text) => text.replace(pattern, '***');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
