import type { RunState } from './run-state.js';

/**
 * The values tasks see as `FLOE_DATA_<FIELD>` at this point of a run: the trigger's data, then the answers of every
 * approved `data` node in the order they were given, so a later answer of the same field wins.
 */
export function runData(state: RunState): Record<string, string> {
  const answered = Object.values(state.nodes)
    .filter((node) => node.state === 'good' && node.values !== undefined)
    .sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0));
  return Object.assign({ ...state.data }, ...answered.map((node) => node.values));
}
