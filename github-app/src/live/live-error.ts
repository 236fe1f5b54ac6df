import type { LiveServerMessage } from '@floe/shared';
import { ERROR_CATALOGUE } from '../errors.js';

/** An error frame of the live API: a catalogued code, its message unless a better one is given, and the sub. */
export function liveError(code: keyof typeof ERROR_CATALOGUE, message?: string, sub?: string): LiveServerMessage {
  return { type: 'error', code, message: message ?? ERROR_CATALOGUE[code].message, ...(sub ? { sub } : {}) };
}
