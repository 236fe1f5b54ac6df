// Properties of the engine over random flows (DAGs of exec, data, merge and end nodes with random listen/wait
// wiring, a few back edges and dangling tags) driven by random inputs, valid and stale.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emittableTags } from '../flow/event-tags.js';
import type { FlowInput, ResolvedFlow, ResolvedNode } from '../flow/flow-schema.js';
import { testFlow } from '../testing/test-flow.js';
import { type Effect, EffectSchema } from './effect.js';
import type { EngineInput } from './engine-input.js';
import { startRun, stepRun } from './run-engine.js';
import { type RunState, RunStateSchema } from './run-state.js';
import type { TaskOutcome } from './task-outcome.js';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

const nodeSpec = fc.record({
  kind: fc.constantFrom('exec', 'exec', 'exec', 'data', 'merge', 'end'),
  picks: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
  retry: fc.constantFrom(0, 0, 1, 2),
  useStatus: fc.boolean(),
  ignoreFail: fc.boolean(),
  any: fc.boolean(),
  backEdge: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
});
type NodeSpec = typeof nodeSpec extends fc.Arbitrary<infer T> ? T : never;

/** Tags a node can emit, with a few exit codes standing for a `use-status` node's unbounded set. */
function tagsOf(node: ResolvedNode): string[] {
  const { tags, statusCodes } = emittableTags(node);
  return statusCodes ? [...tags, `task.${node.id}.0`, `task.${node.id}.1`, `task.${node.id}.3`] : tags;
}

function buildFlow(specs: NodeSpec[]): ResolvedFlow {
  const tasks: unknown[] = [];
  const resolved: ResolvedNode[] = [];
  specs.forEach((spec, i) => {
    const id = `n${i}`;
    // Mostly a DAG (listen to the trigger or to earlier nodes); a back edge may point anywhere, even at itself.
    const sources = spec.backEdge ? specs.map((_, j) => j) : Array.from({ length: i }, (_, j) => j);
    const emitted = sources.flatMap((j) => (j < i ? tagsOf(resolved[j]!) : [`task.n${j}.good`, `task.n${j}.bad`]));
    // Now and then a tag nothing emits; an end node mostly listens to a node, so that most runs do something.
    const pick = (n: number) => {
      if (n % 17 === 0) return 'task.ghost.bad';
      const available = spec.kind === 'end' && emitted.length > 0 ? emitted : ['trigger.good', ...emitted];
      return available[n % available.length]!;
    };
    let node: Record<string, unknown>;
    if (spec.kind === 'merge') {
      node = { id, class: 'merge', type: spec.any ? 'any' : 'all', wait: [...new Set(spec.picks.map(pick))] };
    } else if (spec.kind === 'end') {
      node = { id, type: 'end', listen: pick(spec.picks[0]!) };
    } else if (spec.kind === 'data') {
      const fields = spec.useStatus ? [{ id: 'answer' }, { id: 'note', required: false }] : [];
      node = { id, type: 'data', listen: pick(spec.picks[0]!), opts: { form: { fields } } };
    } else {
      node = {
        id,
        type: 'exec',
        listen: pick(spec.picks[0]!),
        opts: { cmd: 'true' },
        retry: spec.retry,
        'use-status': spec.useStatus,
        'ignore-fail': spec.ignoreFail && !spec.useStatus,
        ...(spec.any ? { good: [0, 3] } : {}),
      };
    }
    tasks.push(node);
    resolved.push(testFlow({ tasks: [node] } as FlowInput).tasks[0]!);
  });
  return testFlow({ id: 'random', triggers: [{ id: 'go', type: 'push' }], tasks, timeout: '1h' } as FlowInput);
}

const outcomes: TaskOutcome[] = [
  { kind: 'exited', exitCode: 0 },
  { kind: 'exited', exitCode: 1 },
  { kind: 'exited', exitCode: 3 },
  { kind: 'error', message: 'could not start' },
  { kind: 'timed-out', afterMs: 30_000 },
  { kind: 'cancelled' },
];

const move = fc.record({ kind: fc.nat({ max: 99 }), pick: fc.nat(), outcome: fc.nat({ max: outcomes.length - 1 }) });
type Move = typeof move extends fc.Arbitrary<infer T> ? T : never;

/** Turns a random move into an input for the run as it stands: mostly valid ones, some stale or unknown. */
function inputFor(flow: ResolvedFlow, state: RunState, m: Move, at: number): EngineInput {
  const running = Object.entries(state.nodes).filter(([, n]) => n.state === 'running');
  const awaiting = Object.entries(state.nodes).filter(([, n]) => n.state === 'awaiting-input');
  const outcome = outcomes[m.outcome]!;
  if (m.kind < 60 && running.length > 0) {
    const [node, run] = running[m.pick % running.length]!;
    return { type: 'task-finished', node, attempt: run.attempt, outcome, at };
  }
  if (m.kind < 80 && awaiting.length > 0) {
    const [node] = awaiting[m.pick % awaiting.length]!;
    return { type: 'data', node, values: m.pick % 3 === 0 ? {} : { answer: 'yes' }, reject: m.pick % 5 === 0, at };
  }
  if (m.kind < 88) {
    // Stale or unknown: an old attempt, a node that is not running, a node that does not exist.
    const ids = [...flow.tasks.map((n) => n.id), 'ghost'];
    return { type: 'task-finished', node: ids[m.pick % ids.length]!, attempt: 1 + (m.pick % 3), outcome, at };
  }
  if (m.kind < 90) return { type: 'data', node: `n${m.pick % 9}`, values: {}, at };
  if (m.kind < 96) return { type: 'tick', at };
  if (m.kind < 97) return { type: 'tick', at: state.deadline + m.pick };
  if (m.kind < 98) return { type: 'lost', runner: 'vm-1', at };
  return { type: 'cancel', by: 'ann', at };
}

/** Drives a run with the moves, then finishes what runs and answers what waits until the run ends. */
function drive(flow: ResolvedFlow, moves: Move[]) {
  const steps: { input?: EngineInput; effects: Effect[]; state: RunState }[] = [];
  let { state, effects } = startRun(flow, { at: T0 });
  steps.push({ effects, state });
  let at = T0;
  const apply = (input: EngineInput) => {
    const before = JSON.stringify(state);
    const step = stepRun(flow, state, input);
    expect(JSON.stringify(state)).toBe(before);
    state = step.state;
    effects = step.effects;
    steps.push({ input, effects, state });
  };
  for (const m of moves) {
    at += 1_000;
    apply(inputFor(flow, state, m, at));
  }
  // Liveness: answering every running task and every form always ends the run.
  for (let guard = 0; !state.ended && guard < 1_000; guard++) {
    at += 1_000;
    const running = Object.entries(state.nodes).find(([, n]) => n.state === 'running');
    const awaiting = Object.entries(state.nodes).find(([, n]) => n.state === 'awaiting-input');
    if (running) {
      const [node, run] = running;
      apply({ type: 'task-finished', node, attempt: run.attempt, outcome: { kind: 'exited', exitCode: 0 }, at });
    } else if (awaiting) apply({ type: 'data', node: awaiting[0], values: { answer: 'yes' }, at });
    else break;
  }
  return { steps, state };
}

describe('the run engine on random flows and inputs', () => {
  it('keeps its promises: one execution per attempt, one run per node, one ending, every execution answered', () => {
    fc.assert(
      fc.property(
        fc.array(nodeSpec, { minLength: 1, maxLength: 8 }),
        fc.array(move, { maxLength: 40 }),
        (specs, moves) => {
          const flow = buildFlow(specs);
          const { steps, state } = drive(flow, moves);
          const all = steps.flatMap((s) => s.effects);

          // The run always ends, once; after that every input is ignored and changes nothing.
          expect(state.ended).toBeDefined();
          expect(all.filter((e) => e.type === 'ended')).toHaveLength(1);
          const endIndex = steps.findIndex((s) => s.effects.some((e) => e.type === 'ended'));
          for (const later of steps.slice(endIndex + 1)) {
            expect(later.effects.map((e) => e.type)).toEqual(['ignored']);
            expect(later.state).toBe(steps[endIndex]!.state);
          }
          // Every node ends up finished, cancelled or skipped.
          for (const run of Object.values(state.nodes)) {
            expect(['good', 'bad', 'error', 'cancelled', 'skipped']).toContain(run.state);
          }

          // One execute effect per (node, attempt); attempts count 1, 2, … up to 1 + retry.
          const executes = all.flatMap((e) => (e.type === 'execute' ? [`${e.node}#${e.attempt}`] : []));
          expect(new Set(executes).size).toBe(executes.length);
          for (const node of flow.tasks) {
            if (node.class === 'merge') continue;
            const attempts = executes.filter((e) => e.startsWith(`${node.id}#`)).map((e) => Number(e.split('#')[1]));
            expect(attempts).toEqual(attempts.map((_, i) => i + 1));
            expect(attempts.length).toBeLessThanOrEqual(1 + node.retry);
          }

          // Each node emits at most one event (rule 1): a merge fires once, retries emit once.
          const sources = all.flatMap((e) => (e.type === 'event' ? [e.source] : []));
          expect(sources.filter((s) => s === 'go')).toHaveLength(1);
          const nodeSources = sources.filter((s) => s !== 'go');
          expect(new Set(nodeSources).size).toBe(nodeSources.length);

          // A run is over only once its tasks have stopped: every execution was answered by a finish of that
          // attempt before the end — killed ones too —, unless the runner was lost (nobody is left to report).
          const answered = new Set<string>();
          const killed = new Set<string>();
          for (const step of steps.slice(0, endIndex + 1)) {
            if (step.input?.type === 'task-finished' && !step.effects.some((e) => e.type === 'ignored')) {
              answered.add(`${step.input.node}#${step.input.attempt}`);
            }
            for (const e of step.effects) if (e.type === 'kill') killed.add(e.node);
          }
          const lost = steps[endIndex]?.input?.type === 'lost';
          for (const ex of executes) expect(answered.has(ex) || lost, ex).toBe(true);
          // A kill is only for a node that was executing.
          for (const node of killed) expect(executes.some((ex) => ex.startsWith(`${node}#`))).toBe(true);

          // Events are numbered 1, 2, 3, … and the state holds exactly the events emitted.
          const seqs = all.flatMap((e) => (e.type === 'event' ? [e.seq] : []));
          expect(seqs).toEqual(seqs.map((_, i) => i + 1));
          expect(state.events.map((e) => e.seq)).toEqual(seqs);

          // Every state stays valid JSON per its schema, every effect per its own, and the state holds the
          // events exactly as they were emitted.
          for (const step of steps) RunStateSchema.parse(JSON.parse(JSON.stringify(step.state)));
          for (const effect of all) EffectSchema.parse(effect);
          expect(state.events).toEqual(all.flatMap(({ type, ...event }) => (type === 'event' ? [event] : [])));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws, whatever it is given', () => {
    const flow = buildFlow([
      { kind: 'exec', picks: [0], retry: 1, useStatus: false, ignoreFail: false, any: false, backEdge: false },
      { kind: 'data', picks: [2], retry: 0, useStatus: true, ignoreFail: false, any: false, backEdge: false },
    ]);
    const { state } = startRun(flow, { at: T0 });
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        const step = stepRun(flow, state, junk as EngineInput);
        expect(step.effects.map((e) => e.type)).toEqual(['ignored']);
        expect(step.state).toBe(state);
      }),
      { numRuns: 200 },
    );
  });

  it('replays only what was good upstream of the node retried from, and runs that node afresh', () => {
    fc.assert(
      fc.property(
        fc.array(nodeSpec, { minLength: 1, maxLength: 8 }),
        fc.array(move, { maxLength: 30 }),
        fc.nat(),
        (specs, moves, pick) => {
          const flow = buildFlow(specs);
          const previous = drive(flow, moves).state;
          const from = flow.tasks[pick % flow.tasks.length]!.id;
          const { state, effects } = startRun(flow, { at: T0 + 2 * HOUR, replay: { from, previous } });
          expect(state.nodes[from]?.replayed).toBeUndefined();
          for (const [id, run] of Object.entries(state.nodes)) {
            if (!run.replayed) continue;
            expect(previous.nodes[id]?.state).toBe('good');
            expect(effects.some((e) => e.type === 'execute' && e.node === id)).toBe(false);
          }
          RunStateSchema.parse(state);
        },
      ),
      { numRuns: 200 },
    );
  });
});
