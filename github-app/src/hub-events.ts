// The hub's event bus: what the live API (DESIGN §8 "Live API") and the GitHub reporter subscribe to. Every event
// carries `seq`, raised by one for each event the bus emits, so a listener can tell it missed nothing; the per-run
// cursors clients resume from are the engine's event `seq` (run-event) and the log byte `offset` (log), both kept
// in the store, so a client that reconnects re-reads from the store and then follows the bus.
import type { NodeView, RunEventView, RunSummary } from '@floe/shared';

export type HubEvent =
  /** A run was made, offered, started, re-queued or archived; `run` is its summary now. */
  | { type: 'run-changed'; seq: number; run: RunSummary }
  /** A node of a run changed state (reached, finished, awaiting input, cancelled, …). */
  | { type: 'node-changed'; seq: number; runId: string; node: NodeView }
  /** The engine emitted an event of the run; `event.seq` is the run's own cursor. */
  | { type: 'run-event'; seq: number; runId: string; event: RunEventView }
  /** Text appended to a node's log at byte `offset`. */
  | { type: 'log'; seq: number; runId: string; node: string; offset: number; text: string; stream: string }
  /** A runner registered, connected, disconnected, or took or released a run (GET /api/runners says how it is now). */
  | { type: 'runner-changed'; seq: number; runnerId: string };

/** An event as emitted, before the bus numbers it. */
export type HubEventInput = HubEvent extends infer E ? (E extends HubEvent ? Omit<E, 'seq'> : never) : never;

export type HubEventListener = (event: HubEvent) => void;

/**
 * A synchronous, typed event bus. Listeners are called in subscription order, in the order events happen; a
 * listener that throws is reported through `onListenerError` and does not stop the others.
 */
export class HubEvents {
  private seq = 0;
  private readonly listeners = new Set<HubEventListener>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  /** Subscribes; returns the unsubscribe function. */
  on(listener: HubEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(input: HubEventInput): HubEvent {
    const event = { ...input, seq: ++this.seq } as HubEvent;
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.onListenerError(err);
      }
    }
    return event;
  }

  /** The seq of the last event emitted (0 before the first). */
  get lastSeq(): number {
    return this.seq;
  }
}
