import type { RunDetail, RunEventView } from '@floe/shared';

/**
 * A run page's value once its fetch answers, given what live messages made of it meanwhile. The fetch may answer
 * after live messages that are newer than its snapshot (the run ended while the answer was on its way): an
 * ended run stays ended, whichever arrived last. Events of both are kept.
 */
export function mergeFetchedRun(fetched: RunDetail, current: RunDetail | undefined): RunDetail {
  const newer = current?.state === 'archived' && fetched.state !== 'archived' ? current : fetched;
  return { ...newer, events: unionEvents(fetched.events, current?.events) };
}

/** Events of both lists, once each, in seq order. */
export function unionEvents(a: RunEventView[] | undefined, b: RunEventView[] | undefined): RunEventView[] {
  const bySeq = new Map<number, RunEventView>();
  for (const event of [...(a ?? []), ...(b ?? [])]) bySeq.set(event.seq, event);
  return [...bySeq.values()].sort((x, y) => x.seq - y.seq);
}
