// Test helper (not exported): a runner connection that records what the hub sends it. It is the gateway's
// seam (gateway/hub-core.ts RunnerConnection), not a mock of our code: tests play the runner's side by calling
// HubCore as the gateway would.
import { randomUUID } from 'node:crypto';
import {
  type EngineInput,
  type HubMessage,
  type LogStream,
  PROTOCOL_VERSION,
  type RunnerSandbox,
  type RunRecord,
} from '@floe/shared';
import type { RunnerConnection } from '../gateway/hub-core.js';

type Waiter = { match: (m: HubMessage) => boolean; resolve: (m: HubMessage) => void };

export class FakeRunner implements RunnerConnection {
  readonly messages: HubMessage[] = [];
  /** A new one per FakeRunner: a reconnect in a test is a new FakeRunner of the same runner id. */
  readonly id = randomUUID();
  readonly protocol = PROTOCOL_VERSION;
  /** Sandboxed unless a test says otherwise: untrusted runs go only to such runners. */
  sandbox: RunnerSandbox = { sandboxed: true };
  /** It said `draining` (HubCore.draining sets it). */
  draining = false;
  private readonly taken = new Set<HubMessage>();
  private waiters: Waiter[] = [];

  constructor(
    readonly runnerId: string,
    readonly name: string,
    readonly tags: string[] = [],
    readonly slots = 1,
  ) {}

  send(message: HubMessage): void {
    this.messages.push(message);
    for (const waiter of [...this.waiters]) {
      if (!this.taken.has(message) && waiter.match(message)) {
        this.taken.add(message);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(message);
      }
    }
  }

  /** The next message of this type (and matching `filter`) not taken yet; waits up to `timeoutMs`. */
  next<T extends HubMessage['type']>(
    type: T,
    filter: (m: Extract<HubMessage, { type: T }>) => boolean = () => true,
    timeoutMs = 3_000,
  ): Promise<Extract<HubMessage, { type: T }>> {
    const match = (m: HubMessage) => m.type === type && filter(m as Extract<HubMessage, { type: T }>);
    const found = this.messages.find((m) => !this.taken.has(m) && match(m));
    if (found) {
      this.taken.add(found);
      return Promise.resolve(found as Extract<HubMessage, { type: T }>);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.match !== match);
        reject(
          new Error(
            `${this.name} got no ${type} within ${timeoutMs} ms; got ${this.messages.map((m) => m.type).join(', ')}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as Extract<HubMessage, { type: T }>);
        },
      });
    });
  }

  of<T extends HubMessage['type']>(type: T): Extract<HubMessage, { type: T }>[] {
    return this.messages.filter((m) => m.type === type) as Extract<HubMessage, { type: T }>[];
  }
}

/** Numbers a run's records from 1, as the runner's driver does. */
export class RecordMaker {
  private seq = 0;
  start(at: number): RunRecord {
    return { kind: 'start', seq: ++this.seq, at };
  }
  input(input: EngineInput): RunRecord {
    return { kind: 'input', seq: ++this.seq, input };
  }
  log(node: string, text: string, stream: LogStream = 'out', attempt = 1): RunRecord {
    return { kind: 'log', seq: ++this.seq, node, attempt, chunk: { stream, at: Date.now(), text } };
  }
}
