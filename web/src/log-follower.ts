// Follows one node's log (DESIGN §7): the live `log` topic from byte 0 — `connectLive` resubscribes from the
// byte after the last chunk when the socket comes back — and the REST route to fill any gap it finds, so the
// buffer holds every byte once. The subscription opens when the host connects and closes when it disconnects.
import type { LiveSubscription } from '@floe/shared';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { type AppendResult, LogBuffer } from './log-buffer.js';
import type { Services } from './services.js';

export interface LogTarget {
  services: Services;
  runId: string;
  node: string;
}

export class LogFollower implements ReactiveController {
  buffer = new LogBuffer();
  /** Waiting for the first answer. */
  loading = false;
  error: unknown;
  private key = '';
  private subscription: LiveSubscription | undefined;
  private filling = false;
  private connected = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly target: () => LogTarget | undefined,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.connected = true;
    this.key = '';
  }

  hostUpdate(): void {
    const target = this.target();
    const key = target ? `${target.runId}\u0000${target.node}` : '';
    if (key === this.key || !this.connected) return;
    this.key = key;
    this.close();
    this.buffer = new LogBuffer();
    this.error = undefined;
    if (target) this.open(target);
  }

  hostDisconnected(): void {
    this.connected = false;
    this.close();
  }

  /** Adds a chunk that starts at byte `offset` (what the live API and the REST route hand us). */
  feed(offset: number, text: string): AppendResult {
    const result = this.buffer.append(offset, text);
    if (result !== 'duplicate') this.host.requestUpdate();
    return result;
  }

  private open(target: LogTarget): void {
    this.loading = true;
    const key = this.key;
    this.subscription = target.services.live.subscribe(
      { topic: 'log', runId: target.runId, node: target.node, from: 0 },
      (message) => {
        if (key !== this.key) return;
        this.loading = false;
        if (message.type === 'log') {
          if (this.feed(message.offset, message.text) === 'gap') void this.fill(target, key);
        } else if (message.type === 'log-end') {
          if (message.offset > this.buffer.next) void this.fill(target, key);
          this.buffer.complete = true;
          this.host.requestUpdate();
        }
      },
      (error) => {
        this.loading = false;
        this.error = error;
        this.host.requestUpdate();
      },
    );
    this.host.requestUpdate();
  }

  /** Reads what is missing from the REST route, from the byte we expect next. */
  private async fill(target: LogTarget, key: string): Promise<void> {
    if (this.filling) return;
    this.filling = true;
    try {
      const from = this.buffer.next;
      const slice = await target.services.client.logs(target.runId, target.node, from);
      if (key === this.key) this.feed(from, slice.text);
    } catch (error) {
      this.error = error;
      this.host.requestUpdate();
    } finally {
      this.filling = false;
    }
  }

  private close(): void {
    this.subscription?.close();
    this.subscription = undefined;
  }
}
