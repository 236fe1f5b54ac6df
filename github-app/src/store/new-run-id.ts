import { randomBytes } from 'node:crypto';

let lastTime = 0;
let counter = 0;

/**
 * A run id that sorts by creation: 9 base-36 digits of milliseconds, 4 of a per-millisecond counter (so ids made
 * in one process are strictly increasing), and 4 random ones (so two hubs making a run in the same millisecond
 * do not clash). Lowercase letters and digits only, safe in URLs; newest-first listing is `ORDER BY id DESC`.
 */
export function newRunId(now: number = Date.now()): string {
  const time = Math.max(now, lastTime);
  counter = time === lastTime ? counter + 1 : 0;
  lastTime = time;
  const random = randomBytes(4).readUInt32BE(0).toString(36).padStart(7, '0').slice(-4);
  return `${time.toString(36).padStart(9, '0')}${counter.toString(36).padStart(4, '0')}${random}`;
}
