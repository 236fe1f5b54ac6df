// The run engine: the rules of DESIGN §3 ("Events", "Engine rules") and §8 ("Why a run ended", "Retry") as a
// pure state machine, `(flow, state, input) -> (state, effects)`. No clock, no I/O, no randomness (DESIGN §2).
//
// The life of a run, as a driver (the runner for a real run, `floe run` for a local one, tests with scripted
// inputs) sees it:
//
// A run begins with `startRun(flow, {at, data})`. The engine emits `trigger.good` and routes it: every node whose
// `listen` is that tag is reached, and so is every merge that waits on it. The step comes back as the new state
// plus a list of effects, in the order they happened. The driver stores the state (it is plain JSON) and carries
// out the effects in order:
//   - `execute {node, attempt}`: run the task (exec, git-checkout, fetch, timer) with its own `timeoutMs`, and when
//     it is over call `stepRun(flow, state, {type: 'task-finished', node, attempt, outcome, at})` with the executor's
//     outcome. Several tasks may run at once; their finishes come back in any order.
//   - `await-input {node}`: a `data` node was reached. Show its form; when a person answers, call `stepRun` with
//     `{type: 'data', node, values, by}` (or `reject: true`).
//   - `event {seq, tag, good, source}`: store and stream it. `seq` counts from 1 within the run.
//   - `kill {node}`: the run is ending (cancelled, failed fast, an end node, a timeout) while this task runs: stop
//     it and report its `task-finished` as usual. Until every task told to stop has reported, the run is
//     `ending`: it takes no other input, and its slot and resource tags stay taken, since its processes may
//     still be running (a cancelled deploy is still deploying until it has stopped).
//   - `ended {result, reason, reasonCode}`: the run is over, every task stopped; archive it. Nothing changes the
//     state afterwards.
//   - `ignored {reason}`: the input did not apply (stale attempt, unknown node, run already ended…); the state
//     returned is the one given. Log it; it is never an error of the driver.
// Besides finishes and data, the driver feeds what happens around the run: `cancel` (a person), `lost` (the hub
// lost the runner: the run is over at once, there is nobody left to report) and `tick` (time passes; the hub ticks
// active runs so that a run past its deadline ends even when none of its tasks reports). Every input carries
// `at`, and any input at or past the deadline ends the run as timed out first. `abandonRun` is the hub's way to
// stop waiting for a runner that does not report (its own safety-net timeout).
//
// A run never goes back: each node runs at most once (rule 1), each attempt is executed once, the run ends
// once and the first ending wins. Given the same inputs, the engine gives the same states and effects, which is
// what lets the hub replay and the tests script a run.
import { durationMs, formatDuration } from '../flow/duration.js';
import { mergeGood, TRIGGER_GOOD, taskTag } from '../flow/event-tags.js';
import type { ResolvedFlow, ResolvedNode, ResolvedTask } from '../flow/flow-schema.js';
import { downstreamNodes, startTags } from './downstream-nodes.js';
import type { Effect } from './effect.js';
import { type EngineInput, EngineInputSchema } from './engine-input.js';
import type { ReasonCode, RunResult } from './node-state.js';
import type { NodeRun, RunEvent, RunState } from './run-state.js';
import type { TaskOutcome } from './task-outcome.js';

/** What a step gives back: the run's new state (a new object) and the effects to carry out, in order. */
export type EngineStep = { state: RunState; effects: Effect[] };

export type StartRunOptions = {
  /** When the run starts (ms since the epoch). */
  at: number;
  /** Trigger or start-form values; default `{}` (with `replay`, the previous run's). */
  data?: Record<string, string>;
  /** The id of the trigger that started the run: the source of `trigger.good`. Default: the flow's first trigger. */
  trigger?: string;
  /** Retry from a node (DESIGN §8 "Retry"): replay what `previous` did upstream of `from`, run `from` afresh. */
  replay?: { from: string; previous: RunState };
  /**
   * How many combinations of a matrix task run at once when it sets no `max-parallel`: the runner's slots
   * (docs/runners.md "Matrices"). Default: all of them. Kept in the state, so the hub's copy agrees.
   */
  parallel?: number;
};

/** DESIGN §8 "Why a run ended": default run timeout 6 h. */
const DEFAULT_RUN_TIMEOUT_MS = 6 * 3_600_000;

/** Task types the runner executes; `data` waits for a person and `end` ends the run. */
const EXECUTED_TYPES: ReadonlySet<string> = new Set(['exec', 'git-checkout', 'git-merge', 'fetch', 'timer']);

/** One step in progress: a private copy of the state that the step's helpers change, and what they emit. */
type Step = {
  flow: ResolvedFlow;
  nodes: ReadonlyMap<string, ResolvedNode>;
  /** The nodes that start on each tag (listen, or a merge's wait), in config order. */
  listeners: ReadonlyMap<string, readonly ResolvedNode[]>;
  /** How many distinct tags each merge waits on. */
  waitCounts: ReadonlyMap<string, number>;
  /** The combination nodes of each matrix task, in order. */
  combinations: ReadonlyMap<string, readonly ResolvedTask[]>;
  state: RunState;
  at: number;
  effects: Effect[];
  /** Events emitted and not yet routed, first in first out. */
  queue: RunEvent[];
  /** Nodes whose previous result is replayed instead of running them (retry from a node). */
  replay: Map<string, NodeRun>;
  /** Ids of the node runs and of the merges this step has copied from the state it was given; `all` for a new
   * run's state, which nothing else holds. */
  owned: { runs: Set<string>; merges: Set<string> } | 'all';
};

/**
 * A copy of `state` that a step may change without changing `state`: the maps of node runs and merges and the
 * list of events are copied; a node run or a merge is copied only when the step changes it (`ownRun`,
 * `ownMerge`); what a step never changes in place (events, node values, the ending, the data) is shared.
 * Copying every node run on every input made a 2,000-node fan-out cost seconds.
 */
function copyState(state: RunState): RunState {
  return {
    ...state,
    data: { ...state.data },
    nodes: { ...state.nodes },
    merges: { ...state.merges },
    events: [...state.events],
  };
}

/** The node run of `id` in the step's state, copied first if it is still shared with the state given. */
function ownRun(step: Step, id: string): NodeRun | undefined {
  const run = step.state.nodes[id];
  if (!run || step.owned === 'all' || step.owned.runs.has(id)) return run;
  const copy = { ...run };
  step.state.nodes[id] = copy;
  step.owned.runs.add(id);
  return copy;
}

/** The arrivals of merge `id` in the step's state, copied first if still shared; made when there are none. */
function ownMerge(step: Step, id: string): { arrived: string[] } {
  const merge = step.state.merges[id];
  if (merge && (step.owned === 'all' || step.owned.merges.has(id))) return merge;
  const copy = { arrived: [...(merge?.arrived ?? [])] };
  step.state.merges[id] = copy;
  if (step.owned !== 'all') step.owned.merges.add(id);
  return copy;
}

/** Starts a run: emits `trigger.good` and routes it. Never throws. */
export function startRun(flow: ResolvedFlow, opts: StartRunOptions): EngineStep {
  const timeoutMs = flow.timeout === undefined ? undefined : durationMs(flow.timeout);
  const state: RunState = {
    startedAt: opts.at,
    deadline: opts.at + (timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS),
    data: { ...(opts.data ?? opts.replay?.previous.data ?? {}) },
    nodes: Object.fromEntries(flow.tasks.map((node) => [node.id, { state: 'waiting', attempt: 0 }])),
    merges: {},
    events: [],
    ...(opts.parallel === undefined ? {} : { parallel: opts.parallel }),
  };
  const step = newStep(flow, state, opts.at, 'all');
  if (opts.replay) {
    const { from, previous } = opts.replay;
    const fresh = downstreamNodes(flow, from);
    if (fresh.size === 0) {
      // The hub checks `from` before asking; should it not, run everything rather than replay a guess.
      step.effects.push({ type: 'ignored', reason: `cannot retry from ${from}: the flow has no such node` });
    } else {
      for (const [id, run] of Object.entries(previous.nodes)) {
        if (run.state === 'good' && run.tag !== undefined && !fresh.has(id) && step.nodes.has(id)) {
          step.replay.set(id, run);
        }
      }
    }
  }
  emit(step, TRIGGER_GOOD, true, opts.trigger ?? flow.triggers[0]?.id ?? 'trigger');
  return finishStep(step);
}

/**
 * Applies one input to a run. Returns a new state (the given one is never changed) and the effects, in order.
 * Never throws: an input that does not apply yields one `ignored` effect and the unchanged state.
 */
export function stepRun(flow: ResolvedFlow, state: RunState, input: EngineInput): EngineStep {
  const parsed = EngineInputSchema.safeParse(input);
  if (!parsed.success) return ignored(state, `not an engine input: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const applied = parsed.data;
  if (state.ended) return ignored(state, `the run already ended: ${state.ended.reason}`);

  const step = newStep(flow, copyState(state), applied.at, { runs: new Set(), merges: new Set() });
  // Any input at or past the deadline shows that the time is up: the run times out before the input is
  // considered, so the first ending is the timeout (DESIGN §3, rule 3).
  if (applied.at >= state.deadline && !state.ending) {
    endRun(step, 'bad', 'timeout', `timed out after ${formatDuration(state.deadline - state.startedAt)}`);
    // A task's finish still counts: the task is one the timeout stops.
    if (applied.type !== 'task-finished' || step.state.ended) {
      if (applied.type !== 'tick') {
        step.effects.push({ type: 'ignored', reason: `${applied.type} came after the deadline` });
      }
      return finishStep(step);
    }
  }
  if (step.state.ending) {
    const stopping = whileEnding(step, applied);
    if (stopping !== undefined) return stopping === 'unchanged' ? { state, effects: [] } : ignored(state, stopping);
    return finishStep(step);
  }

  let notApplied: string | undefined;
  switch (applied.type) {
    case 'task-finished':
      notApplied = finishTask(step, applied.node, applied.attempt, applied.outcome);
      break;
    case 'data':
      notApplied = submitData(step, applied.node, applied.values, applied.by, applied.reject === true);
      break;
    case 'cancel':
      endRun(step, 'cancelled', 'cancelled', applied.by ? `cancelled by ${applied.by}` : 'cancelled');
      break;
    case 'lost':
      endRun(step, 'bad', 'lost', `runner ${applied.runner} ${applied.how ?? 'lost'}`);
      settleRun(step);
      break;
    case 'tick':
      return { state, effects: [] };
  }
  if (notApplied !== undefined) return ignored(state, notApplied);
  return finishStep(step);
}

/**
 * An input to a run that is ending: the finish of a task told to stop is applied (the run ends with the last
 * one); a lost runner ends it at once; time passing changes nothing ('unchanged'); anything else does not apply
 * (its reason is returned). Undefined when the step has changed.
 */
function whileEnding(step: Step, input: EngineInput): string | 'unchanged' | undefined {
  const ending = step.state.ending as NonNullable<RunState['ending']>;
  switch (input.type) {
    case 'task-finished':
      return stopTask(step, input.node, input.attempt, input.outcome);
    case 'lost':
      settleRun(step);
      return undefined;
    case 'tick':
      return 'unchanged';
    default:
      return `the run is ending (${ending.reason}): waiting for its tasks to stop`;
  }
}

/** The finish of a task told to stop because the run is ending: it counts as cancelled, whatever it did. */
function stopTask(step: Step, id: string, attempt: number, outcome: TaskOutcome): string | undefined {
  const current = step.state.nodes[id];
  if (!current) return `no node ${id} in this flow`;
  if (current.state !== 'running') return `task ${id} is not running (${current.state})`;
  if (attempt !== current.attempt)
    return `attempt ${attempt} of task ${id} is not the current one (${current.attempt})`;
  const run = ownRun(step, id) as NodeRun;
  Object.assign(run, { state: 'cancelled', endedAt: step.at, reason: 'was cancelled' });
  if (outcome.kind === 'exited') run.exitCode = outcome.exitCode;
  else delete run.exitCode;
  if (!isBusy(step.state)) settleRun(step);
  return undefined;
}

/**
 * Ends a run that is ending without waiting for its tasks to report that they stopped: they count as cancelled.
 * For the hub when the runner cannot report any more (its own timeout of a silent runner's run); `lost` does the
 * same. A run that is not ending is given back unchanged.
 */
export function abandonRun(flow: ResolvedFlow, state: RunState, at: number): EngineStep {
  if (state.ended || !state.ending) return { state, effects: [] };
  const step = newStep(flow, copyState(state), at, { runs: new Set(), merges: new Set() });
  settleRun(step);
  return { state: step.state, effects: step.effects };
}

function newStep(flow: ResolvedFlow, state: RunState, at: number, owned: Step['owned']): Step {
  const { nodes, listeners, waitCounts, combinations } = indexOf(flow);
  return {
    flow,
    nodes,
    listeners,
    waitCounts,
    combinations,
    state,
    at,
    effects: [],
    queue: [],
    replay: new Map(),
    owned,
  };
}

type FlowIndex = Pick<Step, 'nodes' | 'listeners' | 'waitCounts' | 'combinations'>;

/** Indexes by flow object: a driver passes the same flow to every step of a run, and never changes it. */
const indexes = new WeakMap<ResolvedFlow, FlowIndex>();

/**
 * The nodes by id and the listeners of each tag, built once per flow: scanning every node for every event (and
 * every wait tag of a merge for every arrival) made a 1,000-node fan-out cost 7.7 s of engine time.
 */
function indexOf(flow: ResolvedFlow): FlowIndex {
  let index = indexes.get(flow);
  if (index) return index;
  const nodes = new Map<string, ResolvedNode>();
  const listeners = new Map<string, ResolvedNode[]>();
  const waitCounts = new Map<string, number>();
  const combinations = new Map<string, ResolvedTask[]>();
  // Ids are unique in a valid flow (a duplicate is a lint error); should two clash, the first one counts.
  for (const node of flow.tasks) if (!nodes.has(node.id)) nodes.set(node.id, node);
  for (const node of flow.tasks) {
    if (node.class !== 'merge' && node.combination) {
      const list = combinations.get(node.combination.of);
      if (list) list.push(node);
      else combinations.set(node.combination.of, [node]);
    }
    // In config order, as the original did; a merge waiting twice on a tag is listed once.
    const tags = new Set(startTags(node));
    if (node.class === 'merge') waitCounts.set(node.id, tags.size);
    for (const tag of tags) {
      const list = listeners.get(tag);
      if (list) list.push(node);
      else listeners.set(tag, [node]);
    }
  }
  index = { nodes, listeners, waitCounts, combinations };
  indexes.set(flow, index);
  return index;
}

function ignored(state: RunState, reason: string): EngineStep {
  return { state, effects: [{ type: 'ignored', reason }] };
}

/** Routes what was emitted, then ends the run if nothing is left to wait for. */
function finishStep(step: Step): EngineStep {
  route(step);
  if (!step.state.ended && !step.state.ending && !isBusy(step.state)) {
    // DESIGN §3, rule 2: nothing is running, timing or waiting any more.
    const hasEnd = step.flow.tasks.some((node) => node.class !== 'merge' && node.type === 'end');
    if (hasEnd) endRun(step, 'bad', 'no-end', 'ended without reaching an end node');
    else endRun(step, 'good', 'no-end', 'all tasks finished');
  }
  return { state: step.state, effects: step.effects };
}

/** Running tasks (timers included, retries too) and forms awaiting input keep a run alive; a half-full merge does not. */
function isBusy(state: RunState): boolean {
  for (const id in state.nodes) {
    const now = state.nodes[id]?.state;
    if (now === 'running' || now === 'awaiting-input') return true;
  }
  return false;
}

function emit(step: Step, tag: string, good: boolean, source: string, replayed = false): void {
  const { events } = step.state;
  const seq = (events[events.length - 1]?.seq ?? 0) + 1;
  const event: RunEvent = { seq, tag, good, at: step.at, source, ...(replayed ? { replayed } : {}) };
  events.push(event);
  step.effects.push({ type: 'event', seq, tag, good, source, at: step.at, ...(replayed ? { replayed } : {}) });
  step.queue.push(event);
}

function route(step: Step): void {
  for (let event = step.queue.shift(); event && !step.state.ending; event = step.queue.shift()) {
    const listeners = step.listeners.get(event.tag) ?? [];
    if (listeners.length === 0) {
      // DESIGN §3, rule 2: a bad/error event nobody listens to fails the run at once; a good one does not end it
      // (the original ended the whole run as a success while other branches were still working).
      // A combination's bad event is not unhandled: its matrix task fails for it (or not, without fail-fast).
      if (!event.good && !isCombination(step.nodes.get(event.source)))
        endRun(step, 'bad', 'unhandled-failure', unhandledReason(step, event));
      continue;
    }
    // An end node reached by this event ends the run at once: the event's other listeners are not started only
    // to be killed (the original fired those listed before the end node and dropped those after it).
    const end = listeners.find((node) => node.class !== 'merge' && node.type === 'end');
    for (const node of end ? [end] : listeners) {
      if (step.state.ending) break;
      reach(step, node, event);
    }
  }
  step.queue.length = 0;
}

function unhandledReason(step: Step, event: RunEvent): string {
  const what = step.state.nodes[event.source]?.reason ?? 'failed';
  return `task ${event.source} ${what} and nothing listens to ${event.tag}`;
}

function reach(step: Step, node: ResolvedNode, event: RunEvent): void {
  // DESIGN §3, rule 1: every node runs at most once per run (a merge fires once).
  if (step.state.nodes[node.id]?.state !== 'waiting') return;
  const run = ownRun(step, node.id) as NodeRun;
  const { at } = step;

  if (node.class === 'merge') {
    const merge = ownMerge(step, node.id);
    // Only tags the merge waits on reach it, so `all` fires when as many distinct tags have arrived as it waits
    // on; `any` on the first one (DESIGN §3 "Events").
    if (!merge.arrived.includes(event.tag)) merge.arrived.push(event.tag);
    const fires = node.type === 'any' || merge.arrived.length >= (step.waitCounts.get(node.id) ?? 0);
    if (run.startedAt === undefined) run.startedAt = at;
    if (!fires) return;
    const tag = mergeGood(node.id);
    Object.assign(run, { state: 'good', endedAt: at, tag });
    emit(step, tag, true, node.id);
    return;
  }

  const previous = step.replay.get(node.id);
  if (previous?.tag !== undefined) {
    // DESIGN §8 "Retry": upstream of the retried node, the previous run's good results are replayed, not re-run.
    for (const combination of step.combinations.get(node.id) ?? []) replayNode(step, combination.id);
    replayNode(step, node.id);
    return;
  }

  run.startedAt = at;
  if (node.matrix) {
    // A matrix task is not executed: its combinations are (docs/floe-yaml.md "Matrices").
    run.state = 'running';
    startCombinations(step, node);
    return;
  }
  switch (node.type) {
    case 'end': {
      // DESIGN §3, rule 2: the run's result is the good/bad of the event that reached the end node.
      const result: RunResult = event.good ? 'good' : 'bad';
      Object.assign(run, { state: result, endedAt: at, reason: `reached on ${event.tag}` });
      endRun(step, result, 'end', `reached end node ${node.id} on ${event.tag}`);
      return;
    }
    case 'data': {
      const values = event.tag === TRIGGER_GOOD ? filledFromTrigger(node, step.state.data) : undefined;
      if (values) {
        // The original filled a form from the event that reached it; kept only for a form on `trigger.good` whose
        // every field the start data carries, so an approval deeper in a flow is never skipped. The node's reason
        // says so wherever runs are shown; an audit log of approvals should record this as the trigger's doing.
        const fields = Object.keys(values).join(', ');
        Object.assign(run, {
          state: 'good',
          endedAt: at,
          values,
          reason: `filled from the trigger's data (${fields})`,
        });
        run.tag = taskTag(node.id, 'good');
        emit(step, run.tag, true, node.id);
        return;
      }
      run.state = 'awaiting-input';
      step.effects.push({ type: 'await-input', node: node.id });
      return;
    }
    default: {
      run.state = 'running';
      run.attempt = 1;
      step.effects.push(executeEffect(node, 1));
    }
  }
}

/** Replays a node's good result from the run being retried (DESIGN §8 "Retry"): same tag, not executed. */
function replayNode(step: Step, id: string): boolean {
  const previous = step.replay.get(id);
  if (previous?.tag === undefined) return false;
  const { at } = step;
  step.state.nodes[id] = { ...previous, state: 'good', replayed: true, startedAt: at, endedAt: at };
  emit(step, previous.tag, true, id, true);
  return true;
}

function isCombination(node: ResolvedNode | undefined): node is ResolvedTask & { combination: object } {
  return node !== undefined && node.class !== 'merge' && node.combination !== undefined;
}

/**
 * Starts waiting combinations of a running matrix task while fewer than its `max-parallel` (else the run's
 * `parallel`, else all) run, then settles the task when none is left to run. One run is on one runner: its
 * combinations share the run's slot (docs/runners.md "Matrices").
 */
function startCombinations(step: Step, group: ResolvedTask): void {
  // A combination that failed under fail-fast settles the task before another starts.
  settleMatrix(step, group);
  if (step.state.nodes[group.id]?.state !== 'running') return;
  const combinations = step.combinations.get(group.id) ?? [];
  const limit = group.matrix?.['max-parallel'] ?? step.state.parallel ?? Number.POSITIVE_INFINITY;
  let running = combinations.filter((node) => step.state.nodes[node.id]?.state === 'running').length;
  for (const node of combinations) {
    if (running >= limit) break;
    if (step.state.nodes[node.id]?.state !== 'waiting') continue;
    if (replayNode(step, node.id)) continue;
    const run = ownRun(step, node.id) as NodeRun;
    Object.assign(run, { state: 'running', attempt: 1, startedAt: step.at });
    step.effects.push(executeEffect(node, 1));
    running++;
  }
  settleMatrix(step, group);
}

/**
 * The matrix task's own event, once for the whole matrix: bad on the first combination that did not end good
 * when `fail-fast` (the others are stopped, or skipped if not started), else once all have ended — good when all
 * were good. Until then, a finished combination makes room for the next.
 */
function settleMatrix(step: Step, group: ResolvedTask): void {
  const run = step.state.nodes[group.id];
  if (run?.state !== 'running') return;
  const combinations = step.combinations.get(group.id) ?? [];
  const states = combinations.map((node) => step.state.nodes[node.id]?.state);
  const failed = combinations.filter(
    (_, i) => states[i] !== 'good' && states[i] !== 'running' && states[i] !== 'waiting',
  );
  const failFast = group.matrix?.['fail-fast'] !== false && failed.length > 0;
  if (!failFast && states.some((state) => state === 'running' || state === 'waiting')) return;
  const own = ownRun(step, group.id) as NodeRun;
  const good = failed.length === 0 && combinations.length > 0;
  if (failFast) {
    const first = failed[0] as ResolvedTask;
    for (const node of combinations) {
      const now = step.state.nodes[node.id]?.state;
      if (now === 'running') step.effects.push({ type: 'kill', node: node.id });
      else if (now === 'waiting')
        Object.assign(ownRun(step, node.id) as NodeRun, { state: 'skipped', reason: `fail-fast: ${first.id} failed` });
    }
    own.reason = `${first.id} ${step.state.nodes[first.id]?.reason ?? 'failed'} (fail-fast)`;
  } else if (combinations.length === 0) {
    own.reason = 'the matrix has no combinations';
  } else {
    own.reason = `${combinations.length - failed.length} of ${combinations.length} combinations good`;
  }
  const tag = taskTag(group.id, good ? 'good' : 'bad');
  Object.assign(own, { state: good ? 'good' : 'bad', endedAt: step.at, tag });
  emit(step, tag, good, group.id);
}

/** The form values of a `data` node taken from the run's start data, when it carries every field (one at least). */
function filledFromTrigger(node: ResolvedTask, data: Record<string, string>): Record<string, string> | undefined {
  const fields = node.type === 'data' ? (node.opts?.form?.fields ?? []) : [];
  if (fields.length === 0 || fields.some((field) => (data[field.id] ?? '') === '')) return undefined;
  return Object.fromEntries(fields.map((field) => [field.id, data[field.id] as string]));
}

function executeEffect(task: ResolvedTask, attempt: number): Effect {
  const timeoutMs = task.timeout === undefined ? undefined : durationMs(task.timeout);
  return { type: 'execute', node: task.id, attempt, ...(timeoutMs === undefined ? {} : { timeoutMs }) };
}

/** Applies a finished attempt; returns why it does not apply, if it does not. */
function finishTask(step: Step, id: string, attempt: number, outcome: TaskOutcome): string | undefined {
  const node = step.nodes.get(id);
  const current = step.state.nodes[id];
  if (!node || !current) return `no node ${id} in this flow`;
  if (node.class === 'merge' || !EXECUTED_TYPES.has(node.type) || node.matrix)
    return `${id} is not a task that is executed`;
  if (current.state !== 'running') return `task ${id} is not running (${current.state})`;
  if (attempt !== current.attempt)
    return `attempt ${attempt} of task ${id} is not the current one (${current.attempt})`;
  const run = ownRun(step, id) as NodeRun;
  const group = node.combination ? step.nodes.get(node.combination.of) : undefined;
  if (group && step.state.nodes[group.id]?.state !== 'running') {
    // Stopped because another combination failed first (fail-fast): it emits nothing, its matrix task has.
    Object.assign(run, { state: 'cancelled', endedAt: step.at });
    run.reason = `was cancelled (fail-fast: ${step.state.nodes[group.id]?.reason ?? 'another combination failed'})`;
    if (outcome.kind === 'exited') run.exitCode = outcome.exitCode;
    else delete run.exitCode;
    return undefined;
  }

  // `good: []` means the default, as in the original (an empty list would make every exit bad).
  const goodCodes = node.good?.length ? node.good : [0];
  let ok = false;
  let reason: string;
  delete run.exitCode;
  switch (outcome.kind) {
    case 'exited':
      ok = goodCodes.includes(outcome.exitCode);
      run.exitCode = outcome.exitCode;
      reason = `exited ${outcome.exitCode}`;
      break;
    case 'error':
      reason = `could not run (${outcome.message})`;
      break;
    case 'timed-out':
      // DESIGN §8: a task that times out is killed and counts as bad, with no exit code.
      reason = `timed out after ${formatDuration(outcome.afterMs)}`;
      break;
    case 'cancelled':
      reason = 'was cancelled';
      break;
  }
  const attempts = 1 + node.retry;
  if (attempts > 1) reason += ` (attempt ${attempt} of ${attempts})`;
  run.reason = reason;

  // DESIGN §8 "Retry": a bad, error or timed-out attempt runs again inside the same node, up to `retry` more
  // times; the engine emits one event, after the last attempt. A cancelled attempt was stopped on purpose.
  if (!ok && outcome.kind !== 'cancelled' && attempt < attempts) {
    run.attempt = attempt + 1;
    step.effects.push(executeEffect(node, attempt + 1));
    return undefined;
  }

  run.endedAt = step.at;
  let tag: string;
  let good: boolean;
  if (node['ignore-fail']) {
    // `ignore-fail` always emits good, for errors too, as in the original.
    tag = taskTag(id, 'good');
    good = true;
    run.state = 'good';
    if (!ok) run.reason = `${reason}, ignored (ignore-fail)`;
  } else if (outcome.kind === 'exited') {
    good = ok;
    tag = node['use-status'] ? taskTag(id, outcome.exitCode) : taskTag(id, ok ? 'good' : 'bad');
    run.state = ok ? 'good' : 'bad';
  } else if (outcome.kind === 'error') {
    tag = taskTag(id, 'error');
    good = false;
    run.state = 'error';
  } else {
    tag = taskTag(id, 'bad');
    good = false;
    run.state = outcome.kind === 'cancelled' ? 'cancelled' : 'bad';
  }
  run.tag = tag;
  emit(step, tag, good, id);
  if (group && group.class !== 'merge') startCombinations(step, group);
  return undefined;
}

/** Applies a form answer to a `data` node awaiting input; returns why it does not apply, if it does not. */
function submitData(
  step: Step,
  id: string,
  given: Record<string, string>,
  by: string | undefined,
  reject: boolean,
): string | undefined {
  const node = step.nodes.get(id);
  const current = step.state.nodes[id];
  if (!node || !current) return `no node ${id} in this flow`;
  if (node.class === 'merge' || node.type !== 'data') return `${id} is not a data task`;
  if (current.state !== 'awaiting-input') return `task ${id} is not awaiting input (${current.state})`;
  const run = ownRun(step, id) as NodeRun;

  if (reject) {
    Object.assign(run, { state: 'bad', endedAt: step.at, reason: by ? `was rejected by ${by}` : 'was rejected' });
    if (by !== undefined) run.by = by;
    run.tag = taskTag(id, 'bad');
    emit(step, run.tag, false, id);
    return undefined;
  }

  // A field is required when it says so and has no default value; an empty answer counts as none.
  const values = { ...given };
  const missing: string[] = [];
  for (const field of node.opts?.form?.fields ?? []) {
    if ((values[field.id] ?? '') !== '') continue;
    if (field.value !== undefined) values[field.id] = String(field.value);
    else if (field.required) missing.push(field.id);
  }
  if (missing.length > 0) {
    return `the form of ${id} is missing required field${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
  }

  Object.assign(run, { state: 'good', endedAt: step.at, values, reason: by ? `approved by ${by}` : 'approved' });
  if (by !== undefined) run.by = by;
  run.tag = taskTag(id, 'good');
  emit(step, run.tag, true, id);
  return undefined;
}

/**
 * Ends the run once (the first ending wins): skips what was never reached, closes open forms and tells running
 * tasks to stop. With none running the run is over at once; otherwise it is `ending` until the last of them has
 * reported (stopTask).
 */
function endRun(step: Step, result: RunResult, reasonCode: ReasonCode, reason: string): void {
  const { state, at } = step;
  if (state.ending) return;
  state.ending = { result, reason, reasonCode, at };
  for (const node of step.flow.tasks) {
    const now = state.nodes[node.id]?.state;
    if (now === 'running' && node.class !== 'merge' && node.matrix) {
      // Nothing of its own runs: its running combinations are told to stop.
      Object.assign(ownRun(step, node.id) as NodeRun, { state: 'cancelled', endedAt: at });
    } else if (now === 'running') {
      step.effects.push({ type: 'kill', node: node.id });
    } else if (now === 'awaiting-input') {
      Object.assign(ownRun(step, node.id) as NodeRun, { state: 'cancelled', endedAt: at });
    } else if (now === 'waiting') {
      (ownRun(step, node.id) as NodeRun).state = 'skipped';
    }
  }
  step.queue.length = 0;
  if (!isBusy(state)) settleRun(step);
}

/** The run is over: tasks still running (when the runner cannot report them) count as cancelled. */
function settleRun(step: Step): void {
  const { state, at } = step;
  const ending = state.ending;
  if (state.ended || !ending) return;
  for (const id in state.nodes) {
    if (state.nodes[id]?.state === 'running')
      Object.assign(ownRun(step, id) as NodeRun, { state: 'cancelled', endedAt: at });
  }
  delete state.ending;
  state.ended = { ...ending, at };
  step.effects.push({ type: 'ended', result: ending.result, reason: ending.reason, reasonCode: ending.reasonCode });
}
