// Signals between hubs that share one database (DESIGN §4 "Several hubs on one database"). A hub publishes what
// its own event bus saw — a run, a node log or the runner list changed — and that its dispatcher should look
// again; every other hub on the database hears it, wakes its dispatcher and tells its live subscribers, which
// re-read what changed from the store (so a signal carries names, never data). A signal may be late, merged or
// (on a broken connection) lost: the dispatcher's sweep and the live API's re-reads are the safety net.
import { type HubMessage, z } from '@floe/shared';

export const HubSignalSchema = z.discriminatedUnion('kind', [
  /** Dispatch may have work: a new pend, a freed slot, a released tag, a runner connecting. */
  z.object({ kind: z.literal('wake') }),
  z.object({ kind: z.literal('run'), runId: z.string() }),
  z.object({ kind: z.literal('log'), runId: z.string(), node: z.string() }),
  z.object({ kind: z.literal('runners') }),
  /** API tokens were removed or rotated: live sessions re-check their tokens. */
  z.object({ kind: z.literal('tokens') }),
  /** An admin removed this runner: the hub it is connected to closes its socket (runs/remove-runner.ts). */
  z.object({ kind: z.literal('drop-runner'), runnerId: z.string(), reason: z.string() }),
  /** A message for a runner connected to another hub (ConnectedRunners.relayTo): that hub delivers it. */
  z.object({
    kind: z.literal('send'),
    runnerId: z.string(),
    message: z.custom<HubMessage>((value) => typeof value === 'object' && value !== null),
  }),
]);
export type HubSignal = z.infer<typeof HubSignalSchema>;

export interface HubNotifier {
  /** Tells every other hub; signals published in one tick may be merged (duplicates dropped). */
  publish(signal: HubSignal): void;
  /** Hears the other hubs' signals (never this hub's own). Returns the unsubscribe function. */
  subscribe(listener: (signal: HubSignal) => void): () => void;
  close(): Promise<void>;
}

/**
 * The notifier of a hub alone on its database (SQLite): there is no other hub to tell. Hubs built in one process
 * may share one instance (tests); each hears the others' signals, not its own.
 */
export class InProcessNotifier {
  private readonly listeners = new Map<string, Set<(signal: HubSignal) => void>>();

  /** The notifier one hub uses: `hubId` marks its own signals so they are not delivered back to it. */
  forHub(hubId: string): HubNotifier {
    const own = new Set<(signal: HubSignal) => void>();
    this.listeners.set(hubId, own);
    return {
      publish: (signal) => {
        for (const [id, listeners] of this.listeners) {
          if (id === hubId) continue;
          for (const listener of listeners) queueMicrotask(() => listener(signal));
        }
      },
      subscribe: (listener) => {
        own.add(listener);
        return () => own.delete(listener);
      },
      close: async () => {
        this.listeners.delete(hubId);
      },
    };
  }
}
