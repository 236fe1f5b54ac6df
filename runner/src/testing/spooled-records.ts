import type { RunRecord } from '@floe/shared';
import { recordJson } from '../daemon/spool-frames.js';
import type { RunSpool } from '../spool/run-spool.js';

/** The records a spool holds from `fromSeq` on (every one, or as many as one read of `maxBytes` gives), as the
 * JSON a hub older than binary frames gets: a test's view of what the spool would send. */
export function spooledRecords(spool: RunSpool, fromSeq = 1, maxBytes = Number.MAX_SAFE_INTEGER): RunRecord[] {
  return (spool.entries(fromSeq, maxBytes) ?? []).map((entry) => JSON.parse(recordJson(spool, entry)) as RunRecord);
}
