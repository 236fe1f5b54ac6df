// The seam between the runner gateway (the WebSocket end of the protocol, github-app/src/gateway/) and the
// hub's core (store, runs, dispatcher). The gateway knows sockets and frames; the core knows runs, leases and
// epochs. Neither imports the other's internals: the gateway calls `HubCore`, the core talks to a connected
// runner only through `RunnerConnection`. DESIGN §5 tells the protocol; shared/src/protocol/runner-protocol.ts
// holds the messages.
import type { HeldRun, HubMessage, LogChunk, RunnerMetrics, RunnerSandbox, RunRecord } from '@floe/shared';

/** A connected runner as the core sees it (implemented by the gateway). */
export interface RunnerConnection {
  /**
   * This socket, unique: the store names the connection that speaks for a runner, so a hub that sees an old socket
   * close after its runner moved to another hub leaves it connected (DESIGN §4 "Several hubs on one database").
   */
  readonly id: string;
  readonly runnerId: string;
  readonly name: string;
  readonly tags: string[];
  readonly slots: number;
  /** The protocol version agreed at hello (DESIGN §5 "Protocol versions"): send only messages it has. */
  readonly protocol: number;
  /** Whether it runs tasks in a sandbox (hello's `sandbox`; not sandboxed when it did not say), and why not. */
  readonly sandbox: RunnerSandbox;
  /** It said `draining` (SIGQUIT): it takes no new run on this connection, so none is offered to it. */
  draining: boolean;
  /** Queue a message to the runner; dropped silently if the socket has closed (the lease decides what happens). */
  send(message: HubMessage): void;
  /** Closes the socket (an admin removed the runner); absent on test connections that have none. */
  close?(reason: string): void;
}

/** What the runner tells about its held runs at connect, answered in `welcome`. */
export type WelcomeRun = Extract<HubMessage, { type: 'welcome' }>['runs'][number];

/** A `log` record whose text came as UTF-8 bytes in a binary log frame (shared/src/protocol/log-frame.ts): stored
 * as they are, never made a string on the way. */
export type LogBytesRecord = Omit<Extract<RunRecord, { kind: 'log' }>, 'chunk'> & {
  chunk: Omit<LogChunk, 'text'> & { text: Buffer };
};
/** A record as the gateway hands it on: from a JSON `record` frame, or a log record of a binary frame. */
export type IncomingRecord = RunRecord | LogBytesRecord;

/** Outcome of storing a batch of records: the highest contiguous seq stored, or the run is no longer theirs. */
export type RecordsOutcome = { ackedSeq: number } | { stale: true; reason: string };

/** What the gateway calls on the core (implemented by github-app/src/runs + dispatch). */
export interface HubCore {
  /** Exchanges a one-time registration token for a runner credential; undefined when the token is not valid. */
  registerRunner(token: string, name: string): Promise<{ runnerId: string; credential: string } | undefined>;
  /** The runner a credential belongs to; undefined when unknown or revoked. */
  authenticateRunner(credential: string): Promise<{ runnerId: string; name: string } | undefined>;
  /** A runner said hello: record it as connected, decide what happens to the runs it holds, offer work. */
  runnerConnected(connection: RunnerConnection, held: HeldRun[], version: string): Promise<WelcomeRun[]>;
  /**
   * The socket closed. Its runs keep their leases until they expire (DESIGN §5). Pass the connection that closed:
   * when the runner has reconnected meanwhile, the newer connection is kept.
   */
  runnerDisconnected(runnerId: string, connection?: RunnerConnection): Promise<void>;
  /** Renews the lease of each run the runner still holds at the given epoch, and keeps the figures it reported. */
  heartbeat(runnerId: string, runs: { runId: string; epoch: number }[], metrics?: RunnerMetrics): Promise<void>;
  accepted(runnerId: string, runId: string, epoch: number): Promise<void>;
  declined(runnerId: string, runId: string, epoch: number, reason: string): Promise<void>;
  records(runnerId: string, runId: string, epoch: number, records: IncomingRecord[]): Promise<RecordsOutcome>;
  /** The runner drains on its own (its `draining`): nothing more is offered on `connection`. */
  draining(connection: RunnerConnection): Promise<void>;
}
