// Which pending run goes to which runner, and why the others wait (DESIGN §3 rules 6–7, §4). Pure: the
// dispatcher gives it the live runs and the connected runners, applies the offers through the store's
// compare-and-set, and keeps the reasons for "why pending".
import type { RunRow } from '../store/store.js';

/** A connected runner as dispatch sees it. */
export type PlanRunner = {
  id: string;
  name: string;
  tags: string[];
  slots: number;
  /** It runs tasks in a sandbox (DESIGN §9): only such runners get untrusted runs. */
  sandboxed: boolean;
  /** Drained by an operator, or draining on its own: offered nothing (docs/runners.md "Draining a runner"). */
  drained?: boolean;
};

export type PlanInput = {
  /** Every pending and active run, oldest first (Store.listLiveRuns). */
  runs: RunRow[];
  /** The runners connected now. */
  runners: PlanRunner[];
  /** Names of known runners by id, connected or not (for sentences about runners that are gone). */
  runnerNames?: ReadonlyMap<string, string>;
  /** Runners to leave out for a run for now (they declined it, or let the offer time out), with why. */
  avoid?: ReadonlyMap<string, ReadonlyMap<string, string>>;
};

export type DispatchPlan = {
  offers: { run: RunRow; runner: PlanRunner }[];
  /** For every pending run not offered in this plan: why it waits, as a sentence. */
  waiting: Map<string, string>;
};

const label = (run: RunRow) => `run #${run.number} (${run.flowId})`;
const list = (items: string[]) => items.join(', ');

/**
 * Plans one dispatch pass:
 * - host-tags: every tag of the flow must be on the runner (subset, always);
 * - an untrusted run goes only to a runner that sandboxes its tasks (DESIGN §9);
 * - a pinned run (retry from a node) goes only to the runner holding its workspace;
 * - slots: a runner takes at most `slots` runs, counting the ones offered to it;
 * - resource-tags are held across all runners by active and offered runs; waiting runs get them first come,
 *   first served: a run never overtakes an earlier waiting run that wants the same tag;
 * - reuse-space: two runs of the same such flow never on one runner at once (other flows are not blocked);
 * - a drained runner gets nothing; it still counts as matching, so that a run waiting for it says so.
 * Among the runners that can take a run, the least loaded wins (then the name, so plans are repeatable).
 */
export function planDispatch(input: PlanInput): DispatchPlan {
  const names = new Map(input.runnerNames ?? []);
  for (const runner of input.runners) names.set(runner.id, runner.name);
  const nameOf = (id: string) => names.get(id) ?? id;

  const used = new Map<string, number>();
  const heldTags = new Map<string, RunRow>();
  const spaces = new Map<string, RunRow>(); // `${runnerId}\n${repo}\n${flowId}` of reuse-space runs
  const spaceKey = (runnerId: string, run: RunRow) => `${runnerId}\n${run.repo}\n${run.flowId}`;
  const occupy = (run: RunRow, runnerId: string) => {
    used.set(runnerId, (used.get(runnerId) ?? 0) + 1);
    for (const tag of run.flow['resource-tags'] ?? []) heldTags.set(tag, run);
    if (run.flow['reuse-space']) spaces.set(spaceKey(runnerId, run), run);
  };
  for (const run of input.runs) if (run.runnerId !== undefined) occupy(run, run.runnerId);

  const plan: DispatchPlan = { offers: [], waiting: new Map() };
  const wanted = new Map<string, RunRow>(); // resource tag → earliest waiting run that wants it

  for (const run of input.runs) {
    if (run.state !== 'pending') continue;
    if (run.runnerId !== undefined) {
      plan.waiting.set(run.id, `offered to ${nameOf(run.runnerId)}, waiting for it to accept`);
      continue;
    }
    const reason = whyNot(run);
    if (reason === undefined) continue;
    plan.waiting.set(run.id, reason);
    for (const tag of run.flow['resource-tags'] ?? []) if (!wanted.has(tag)) wanted.set(tag, run);
  }
  return plan;

  /** Offers the run (and returns undefined) or says why it cannot go now. */
  function whyNot(run: RunRow): string | undefined {
    const hostTags = run.flow['host-tags'] ?? [];
    let matching = input.runners.filter((runner) => hostTags.every((tag) => runner.tags.includes(tag)));
    if (run.pinnedRunnerId !== undefined) {
      const pinned = run.pinnedRunnerId;
      matching = matching.filter((runner) => runner.id === pinned);
      if (matching.length === 0) {
        const connected = input.runners.some((runner) => runner.id === pinned);
        return connected
          ? `runner ${nameOf(pinned)}, which holds the workspace of the run it retries, lacks tags ${list(hostTags)}`
          : `waiting for runner ${nameOf(pinned)}, which holds the workspace of the run it retries; it is not connected`;
      }
    }
    if (matching.length === 0) {
      if (input.runners.length === 0) return 'no runner is connected';
      return `no connected runner has tags ${list(hostTags)}`;
    }
    if (run.trust !== 'trusted') {
      const unsandboxed = matching.filter((runner) => !runner.sandboxed);
      matching = matching.filter((runner) => runner.sandboxed);
      if (matching.length === 0) {
        const names = list(unsandboxed.map((runner) => runner.name));
        return `an untrusted run goes only to a runner that sandboxes its tasks, and ${unsandboxed.length === 1 ? `the one matching runner (${names}) does` : `none of the matching runners (${names}) does`} not`;
      }
    }
    for (const tag of run.flow['resource-tags'] ?? []) {
      const holder = heldTags.get(tag);
      if (holder) return `resource tag ${tag} is held by ${label(holder)}`;
      const earlier = wanted.get(tag);
      if (earlier) return `waiting behind ${label(earlier)} for resource tag ${tag}`;
    }
    const avoided = input.avoid?.get(run.id);
    const states: string[] = [];
    const free = matching.filter((runner) => {
      const load = used.get(runner.id) ?? 0;
      if (runner.drained) {
        states.push(`${runner.name} is drained`);
        return false;
      }
      const why = avoided?.get(runner.id);
      if (why !== undefined) {
        states.push(`${runner.name} ${why}`);
        return false;
      }
      if (load >= runner.slots) {
        states.push(`${runner.name} ${load}/${runner.slots}`);
        return false;
      }
      const sharing = run.flow['reuse-space'] ? spaces.get(spaceKey(runner.id, run)) : undefined;
      if (sharing) {
        states.push(`${runner.name} is running run #${sharing.number} of this flow, which shares its workspace`);
        return false;
      }
      return true;
    });
    if (free.length === 0) {
      return matching.length === 1
        ? `the one matching runner is busy (${list(states)})`
        : `all ${matching.length} matching runners are busy (${list(states)})`;
    }
    const load = (runner: PlanRunner) => (used.get(runner.id) ?? 0) / Math.max(runner.slots, 1);
    const [best] = free.sort((a, b) => load(a) - load(b) || a.name.localeCompare(b.name));
    if (!best) return 'no runner is free';
    plan.offers.push({ run, runner: best });
    occupy({ ...run, runnerId: best.id }, best.id);
    return undefined;
  }
}
