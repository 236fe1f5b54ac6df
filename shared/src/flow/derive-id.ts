// The original floe's id and name rules, kept so that hand-written event tags stay predictable (docs/floe-yaml.md
// "Ids and names"), plus one rule of ours: an id must be safe in a URL path (DESIGN §8 "Links and health").
import type { DiagnosticCode } from './diagnostic-codes.js';

export type DerivedId =
  | { ok: true; id: string; name: string }
  | { ok: false; problem: 'missing' | 'space-or-dot' | 'url-unsafe'; id: string };

/** Characters an id may hold after derivation: letters and digits of any script, `-`, `_` and `~`. */
const URL_SAFE_ID = /^[\p{L}\p{N}_~-]+$/u;

/** Trims runs of space, `.` and `-` at both ends, as the original does to both `id` and `name`. */
const trimSpaceDotDash = (text: string): string => text.replace(/^[ .-]+|[ .-]+$/g, '');

/**
 * The id and name of a flow or node from what was written (either may be absent). Never throws: a problem comes
 * back as `{ok: false}` with the offending id.
 */
export function deriveId(writtenId: string | undefined, writtenName: string | undefined): DerivedId {
  let name = trimSpaceDotDash(writtenName ?? '');
  let id = trimSpaceDotDash(writtenId ?? '').toLowerCase();
  if (id === '' && name === '') return { ok: false, problem: 'missing', id };
  if (id === '') {
    id = name.trim().toLowerCase().replaceAll(' ', '-').replaceAll('.', '-');
  } else if (/[ .]/.test(id)) {
    return { ok: false, problem: 'space-or-dot', id };
  }
  if (!URL_SAFE_ID.test(id)) return { ok: false, problem: 'url-unsafe', id };
  if (name === '') name = id.trim().toLowerCase().replaceAll('-', ' ');
  return { ok: true, id, name };
}

/** The message of a failed id derivation. */
export function idProblemMessage(
  derived: Extract<DerivedId, { ok: false }>,
  what: string,
): [DiagnosticCode, string, string] {
  if (derived.problem === 'missing')
    return [
      'missing-id',
      `${what[0]?.toUpperCase()}${what.slice(1)} has neither \`id\` nor \`name\`.`,
      'give it an `id`',
    ];
  if (derived.problem === 'space-or-dot') {
    return ['invalid-id', `The id \`${derived.id}\` of ${what} contains a space or a full stop.`, 'use `-` instead'];
  }
  return [
    'invalid-id',
    `The id \`${derived.id}\` of ${what} has characters that are not safe in a URL.`,
    'ids may hold letters, digits, `-`, `_` and `~`; give an explicit `id`',
  ];
}
