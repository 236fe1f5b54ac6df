// Outgoing webhooks (docs/api.md "Notifications"): when a run ends, one delivery per receiver is stored
// (store/notify-deliveries.ts) and then sent, tried again with the back-off every client uses
// (shared/src/api/backoff.ts) until the receiver answers 2xx or MAX_ATTEMPTS have failed. Every attempt is logged
// for the dashboard. Stored first and sent after, a delivery outlives a hub restart; claimed by compare-and-set,
// it is sent once by one hub of several. The URL rules are flow-file's (docs/security.md): https only, to public
// addresses unless `--allow-network` allows the network, no redirect followed.
import { createBackoff, notifyUrlProblem } from '@floe/shared';
import { type Cidr, httpPost, isPublicAddress } from '@floe/shared/node';
import type { Logger } from 'pino';
import type { HubSecrets } from '../secrets/hub-secrets.js';
import type { DeliveryRow } from '../store/notify-deliveries.js';
import type { RunRow, Store } from '../store/store.js';
import { notificationBody } from './notification-body.js';
import { type HubNotify, notifyTargets, urlSecretName } from './notify-targets.js';
import { SIGNATURE_HEADER, signBody } from './sign-body.js';

/** Deliveries attempted at once, in one pass. */
const BATCH = 20;

/** Attempts before a delivery is given up (about an hour and a half of back-off at the default timings). */
export const MAX_ATTEMPTS = 8;

export type NotificationTiming = {
  /** The back-off's first ceiling; default 30 s (it doubles each attempt, up to `retryMaxMs`). */
  retryMs: number;
  /** The back-off's largest delay; default 30 min. */
  retryMaxMs: number;
  /** One attempt's time limit, connection to answer; default 10 s. */
  attemptTimeoutMs: number;
  /** How often due deliveries are looked for (besides right after a run ends); default 5 s. */
  pollMs: number;
};

export const DEFAULT_NOTIFICATION_TIMING: NotificationTiming = {
  retryMs: 30_000,
  retryMaxMs: 30 * 60_000,
  attemptTimeoutMs: 10_000,
  pollMs: 5_000,
};

export type NotificationQueueOptions = {
  store: Store;
  secrets: HubSecrets;
  log: Logger;
  now: () => number;
  hub?: HubNotify;
  /** `--allow-network`: private networks receivers may be on all the same; default none. */
  allowNetworks?: readonly Cidr[];
  /** The dashboard's base URL, for the run's link in bodies; undefined while unknown. */
  publicUrl?: () => string | undefined;
  timing?: Partial<NotificationTiming>;
  /** Extra certificate authorities for receivers (PEM); default Node's, NODE_EXTRA_CA_CERTS included. */
  ca?: string;
  /** Deliveries older than this are deleted, like archived runs (retention/); default 90 days. */
  keepMs?: number;
};

export class NotificationQueue {
  private readonly timing: NotificationTiming;
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private prunedAt = 0;
  /** Aborts attempts in flight when the hub stops: a stop must not wait out a slow receiver. */
  private readonly stopping = new AbortController();

  constructor(private readonly options: NotificationQueueOptions) {
    this.timing = { ...DEFAULT_NOTIFICATION_TIMING, ...options.timing };
    // Restarted, the hub sends at once what fell due while it was away.
    this.timer = setInterval(() => this.kick(), this.timing.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Stores the deliveries of a run that ended (nothing for an untrusted run), then sends them. Never rejects. */
  runEnded(run: RunRow): Promise<void> {
    return this.store(run, undefined);
  }

  /** Stores and sends the deliveries of a `data` task waiting for a person (`on: [waiting]`). Never rejects. */
  runWaiting(run: RunRow, node: { id: string; name: string }): Promise<void> {
    return this.store(run, node);
  }

  private async store(run: RunRow, waitingFor: { id: string; name: string } | undefined): Promise<void> {
    const receivers = notifyTargets(run, this.options.hub, waitingFor ? 'waiting' : 'ended');
    if (receivers.length === 0) return;
    const base = this.options.publicUrl?.();
    const runUrl = base ? `${base.replace(/\/+$/, '')}/runs/${encodeURIComponent(run.id)}` : undefined;
    const at = this.options.now();
    try {
      for (const receiver of receivers) {
        await this.options.store.notifications.enqueue({
          id: deliveryId(run.id, receiver.target, waitingFor?.id),
          runId: run.id,
          repo: run.repo,
          flowId: run.flowId,
          target: receiver.target,
          url: receiver.url,
          ...(receiver.secretName ? { secretName: receiver.secretName } : {}),
          format: receiver.format,
          body: notificationBody(run, receiver.format, runUrl, waitingFor),
          nextAt: at,
          createdAt: at,
        });
      }
    } catch (err) {
      this.options.log.error({ err, runId: run.id }, 'could not store notifications');
      return;
    }
    this.kick();
  }

  /** Sends what is due now, unless a pass is running (then one more pass follows it). */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((err) => this.options.log.warn({ err }, 'notification pass failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.closed) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves when no pass is running (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.stopping.abort();
    await this.running;
  }

  private async pass(): Promise<void> {
    const { store, now } = this.options;
    // The delivery log follows the runs' retention, an hourly small batch (retention/retention-sweep.ts's way).
    if (now() - this.prunedAt > 3_600_000) {
      this.prunedAt = now();
      await store.notifications.prune(now() - (this.options.keepMs ?? 90 * 86_400_000), 500);
    }
    const due = await store.notifications.listDue(now(), BATCH);
    await Promise.all(due.map((delivery) => this.attempt(delivery)));
    // A full batch may have left more due: another pass follows at once.
    if (due.length === BATCH) this.again = true;
  }

  private async attempt(delivery: DeliveryRow): Promise<void> {
    const { store, now, log } = this.options;
    const attempt = delivery.attempts + 1;
    const started = now();
    // Claimed until well after the attempt's time limit: a hub that dies sending leaves it to be taken over then.
    if (
      !(await store.notifications.claim(
        delivery.id,
        delivery.attempts,
        started + this.timing.attemptTimeoutMs * 3,
        started,
      ))
    )
      return;
    const outcome = await this.send(delivery);
    const at = now();
    const durationMs = Math.max(0, at - started);
    const delivered = outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300;
    // An attempt cut short by the hub's stop does not count towards giving up; the next start sends it again.
    const last = attempt >= MAX_ATTEMPTS && !this.stopping.signal.aborted;
    const next = delivered
      ? { state: 'delivered' as const, nextAt: at }
      : this.stopping.signal.aborted
        ? { state: 'pending' as const, nextAt: at }
        : last
          ? { state: 'failed' as const, nextAt: at }
          : { state: 'pending' as const, nextAt: at + this.retryDelay(attempt) };
    await store.notifications.settle(
      delivery.id,
      {
        attempt,
        at: started,
        ...(outcome.status !== undefined ? { status: outcome.status } : {}),
        ...(!delivered ? { error: outcome.error ?? `the receiver answered HTTP ${outcome.status}` } : {}),
        durationMs,
      },
      next,
    );
    const fields = { deliveryId: delivery.id, runId: delivery.runId, attempt, status: outcome.status };
    if (delivered) log.info(fields, 'notification delivered');
    else if (last) log.warn({ ...fields, error: outcome.error }, 'notification given up');
    else log.info({ ...fields, error: outcome.error, nextAt: next.nextAt }, 'notification failed, will retry');
  }

  /** The delay after failed attempt `attempt`: the shared back-off's delay at that step. */
  private retryDelay(attempt: number): number {
    const backoff = createBackoff({ initialMs: this.timing.retryMs, maxMs: this.timing.retryMaxMs });
    let delay = 0;
    for (let i = 0; i < attempt; i++) delay = backoff.next();
    return delay;
  }

  /** One POST; resolves with the status, or an error in words (never the receiver's answer, nor a secret). */
  private async send(delivery: DeliveryRow): Promise<{ status?: number; error?: string }> {
    const { secrets } = this.options;
    const repo = delivery.target === 'hub' ? undefined : delivery.repo;
    let url = delivery.url;
    const urlSecret = urlSecretName(url);
    if (urlSecret !== undefined) {
      const value = await secrets.valueOf(urlSecret, repo);
      if (value === undefined) return { error: `the secret ${urlSecret} holding the URL is not set` };
      url = value;
    }
    // Checked again at each attempt: a URL kept in a secret is only known now.
    const problem = notifyUrlProblem(url);
    if (problem || urlSecretName(url) !== undefined) {
      return {
        error: `the URL${urlSecret ? ` in secret ${urlSecret}` : ''} is refused: ${problem ?? 'it is a secret reference'}`,
      };
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'floe-hub',
      'x-floe-event': eventOf(delivery.id),
      'x-floe-delivery': delivery.id,
    };
    if (delivery.secretName !== undefined) {
      const key = await secrets.valueOf(delivery.secretName, repo);
      if (key === undefined) return { error: `the signing secret ${delivery.secretName} is not set` };
      headers[SIGNATURE_HEADER] = signBody(delivery.body, key);
    }
    const timeout = AbortSignal.timeout(this.timing.attemptTimeoutMs);
    const signal = AbortSignal.any([timeout, this.stopping.signal]);
    try {
      const { status } = await httpPost(url, delivery.body, {
        signal,
        protocols: ['https:'],
        allowAddress: (address) => isPublicAddress(address, this.options.allowNetworks),
        headers,
        ...(this.options.ca !== undefined ? { ca: this.options.ca } : {}),
      });
      return { status };
    } catch (err) {
      if (this.stopping.signal.aborted) return { error: 'the hub stopped during the attempt' };
      if (timeout.aborted) return { error: `no answer within ${this.timing.attemptTimeoutMs / 1000} s` };
      return { error: describe(err, urlSecret !== undefined) };
    }
  }
}

/**
 * A delivery's id: `<runId>:<target>` for a run's end, `<runId>:<target>:waiting:<node>` for a task waiting for a
 * person. One per run, receiver and event, so a second store of it (another hub saw the same change) is a no-op.
 */
function deliveryId(runId: string, target: string, waitingNode: string | undefined): string {
  return waitingNode === undefined ? `${runId}:${target}` : `${runId}:${target}:waiting:${waitingNode}`;
}

/** The X-Floe-Event of a delivery, from its id (deliveryId). */
function eventOf(id: string): 'run-ended' | 'run-waiting' {
  return id.includes(':waiting:') ? 'run-waiting' : 'run-ended';
}

/** A failure to reach a receiver, in words; a URL kept in a secret is not repeated (it is the credential). */
function describe(err: unknown, secretUrl: boolean): string {
  const e = err as { name?: string; code?: string; message?: string };
  if (e.name === 'UrlRefusedError') return secretUrl ? 'the address is refused (not public)' : (e.message ?? 'refused');
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return 'its host name does not resolve';
  if (e.code === 'ECONNREFUSED') return 'the connection was refused';
  if (e.code === 'ECONNRESET') return 'the connection was reset';
  if (e.code?.startsWith('ERR_TLS') || e.code?.includes('CERT') || e.code === 'DEPTH_ZERO_SELF_SIGNED_CERT') {
    return `its TLS certificate is not trusted (${e.code})`;
  }
  return e.code ?? 'the request failed';
}
