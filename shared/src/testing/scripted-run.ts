// Test helper (not exported from the package): drives the engine with scripted inputs, the way a runner does
// with real executors (DESIGN §2), and checks on every step that the engine left its input state untouched.

import type { Effect } from '../engine/effect.js';
import type { EngineInput } from '../engine/engine-input.js';
import { type StartRunOptions, startRun, stepRun } from '../engine/run-engine.js';
import type { RunState } from '../engine/run-state.js';
import type { TaskOutcome } from '../engine/task-outcome.js';
import type { ResolvedFlow } from '../flow/flow-schema.js';

export const T0 = Date.UTC(2026, 0, 1);

export class ScriptedRun {
  state: RunState;
  /** Every effect so far, in order. */
  readonly effects: Effect[] = [];
  /** The effects of the last step. */
  last: Effect[];
  /** The time of the next input: one second later each step unless given. */
  at = T0;

  constructor(
    readonly flow: ResolvedFlow,
    opts: Partial<StartRunOptions> = {},
  ) {
    const step = startRun(flow, { at: T0, ...opts });
    this.state = step.state;
    this.last = step.effects;
    this.effects.push(...step.effects);
  }

  step(input: EngineInput): Effect[] {
    const before = JSON.stringify(this.state);
    const step = stepRun(this.flow, this.state, input);
    if (JSON.stringify(this.state) !== before) throw new Error('stepRun changed the state it was given');
    this.state = step.state;
    this.last = step.effects;
    this.effects.push(...step.effects);
    return step.effects;
  }

  next(at?: number): number {
    this.at = at ?? this.at + 1_000;
    return this.at;
  }

  finish(node: string, outcome: TaskOutcome, attempt?: number): Effect[] {
    const current = attempt ?? this.state.nodes[node]?.attempt ?? 1;
    return this.step({ type: 'task-finished', node, attempt: current, outcome, at: this.next() });
  }

  exit(node: string, exitCode: number, attempt?: number): Effect[] {
    return this.finish(node, { kind: 'exited', exitCode }, attempt);
  }

  data(node: string, values: Record<string, string>, extra: { by?: string; reject?: boolean } = {}): Effect[] {
    return this.step({ type: 'data', node, values, ...extra, at: this.next() });
  }

  /** Event tags emitted so far, in order. */
  tags(): string[] {
    return this.effects.flatMap((effect) => (effect.type === 'event' ? [effect.tag] : []));
  }

  /** `node#attempt` of every execute effect so far. */
  executed(): string[] {
    return this.effects.flatMap((effect) => (effect.type === 'execute' ? [`${effect.node}#${effect.attempt}`] : []));
  }

  of(type: Effect['type']): Effect[] {
    return this.effects.filter((effect) => effect.type === type);
  }

  nodeStates(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.state.nodes).map(([id, run]) => [id, run.state]));
  }
}
