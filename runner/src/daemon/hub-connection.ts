// The connection loop (DESIGN §5): registers the runner when it has no credential, says hello to one hub of the
// list after another with a jittered back-off until one welcomes it, and does so again whenever the session
// drops, until the daemon stops or the hub refuses the runner for good. It keeps the lease the hub gave and the
// time the hub was last heard, and says when the hub has been silent past that lease.
import { readFileSync } from 'node:fs';
import { createBackoff, type Hello, type HubMessage, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from '@floe/shared';
import type { Logger } from 'pino';
import { HubFailure } from '../connection/hub-failure.js';
import { splitHubUrls } from '../connection/hub-urls.js';
import { type HubSession, openHubSession } from '../connection/open-hub-session.js';
import { registerRunner } from '../connection/register-runner.js';
import { retry } from '../connection/retry.js';
import { type CredentialFile, loadCredential, saveCredential } from './credential-file.js';
import { EXIT_CONFIG } from './exit-status.js';
import type { RunnerConfig } from './runner-config.js';

export const RUNNER_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export interface HubConnectionOptions {
  config: Pick<RunnerConfig, 'hub' | 'token' | 'name' | 'tags' | 'slots' | 'credentialPath' | 'backoffMax'>;
  logger: Logger;
  /** Aborted when the daemon ends: the waits between attempts end with it. */
  signal: AbortSignal;
  /** The daemon is stopping: a dropped session is not opened again. */
  stopping: () => boolean;
  /** What hello says of the runner now (read at each attempt): its sandbox and the runs it holds. */
  hello: () => Pick<Hello, 'sandbox' | 'runs'>;
  /** The runs each heartbeat names (it renews their leases). */
  heldRuns: () => { runId: string; epoch: number }[];
  /** Called with each session once the hub has welcomed it, before any later message. */
  onWelcome: (session: HubSession) => void;
  /** Every message after the welcome, in order. */
  onMessage: (message: HubMessage, session: HubSession) => void;
  /** The hub has said nothing for `silentMs`, past its lease less a heartbeat; called every check while so. */
  onSilentPastLease: (silentMs: number) => void;
  /** How often the lease is checked; default 250 ms. */
  fenceCheckMs?: number;
}

export class HubConnection {
  private current: HubSession | undefined;
  /** The last message from the hub, and the lease it gave: the runner's view of whether its runs are still its. */
  private lastContact = Date.now();
  private lease: { leaseMs: number; heartbeatMs: number } | undefined;
  /** Whether the registration token has been used by this life of the runner (a token works once). */
  private tokenUsed = false;
  private readonly fence: NodeJS.Timeout;

  /** The welcomed session; undefined while the hub is away. */
  get session(): HubSession | undefined {
    return this.current;
  }

  /** The credential the sessions present; the runner's HTTP requests (artifacts) carry it too. */
  private saved: CredentialFile | undefined;

  /** Where and as whom the runner's HTTP requests go now: the welcomed hub; undefined while the hub is away. */
  endpoint(): { hubUrl: string; credential: string } | undefined {
    return this.current && this.saved ? { hubUrl: this.current.hubUrl, credential: this.saved.credential } : undefined;
  }

  constructor(private readonly options: HubConnectionOptions) {
    // One heartbeat of margin covers the hub having heard this runner a little later than the runner heard the hub.
    this.fence = setInterval(() => {
      if (!this.lease) return;
      const silentMs = Date.now() - this.lastContact;
      if (silentMs > this.lease.leaseMs - this.lease.heartbeatMs) options.onSilentPastLease(silentMs);
    }, options.fenceCheckMs ?? 250);
    this.fence.unref();
  }

  /** The saved credential, or (with `fresh`, or when there is none) a new one from the registration token. */
  async credential(fresh = false): Promise<CredentialFile> {
    const { config, logger } = this.options;
    const saved = fresh ? undefined : loadCredential(config.credentialPath);
    if (saved) return saved;
    const hub = config.hub;
    if (!config.token || !hub)
      throw new HubFailure({
        kind: 'http',
        status: 401,
        message: `no runner credential at ${config.credentialPath}; start once with --hub URL --token TOKEN (an admin makes one with \`floe runner token\`)`,
      });
    const token = config.token;
    this.tokenUsed = true;
    // Any hub of the list can register it (they share the database): the next one is tried after a failure.
    const urls = splitHubUrls(hub);
    const registered = await retry((n) => registerRunner(urls[(n - 1) % urls.length] as string, token, config.name), {
      backoff: createBackoff({ maxMs: config.backoffMax }),
      signal: this.options.signal,
      onRetry: (failure, delayMs) => logger.warn({ reason: failure.message, delayMs }, 'cannot register yet; retrying'),
    });
    const file = { hub, name: config.name, ...registered };
    saveCredential(config.credentialPath, file);
    logger.info({ runnerId: registered.runnerId, file: config.credentialPath }, 'runner registered');
    return file;
  }

  /** Connects and reconnects until the daemon stops (0) or the hub refuses this runner for good (EXIT_CONFIG). */
  async loop(first: CredentialFile): Promise<number> {
    const { config, logger, stopping } = this.options;
    let saved = first;
    this.saved = saved;
    const hubs = splitHubUrls(config.hub ?? saved.hub);
    if (config.hub && config.hub !== saved.hub)
      logger.warn({ hub: config.hub, credentialHub: saved.hub }, 'the credential was issued by another hub URL');
    // While it holds runs, the runner tries at least three times a lease: a hub that restarts gives each held run
    // one lease for its runner to come back, and a back-off grown long during the outage would miss it.
    const backoff = createBackoff({
      maxMs: config.backoffMax,
      limitMs: () =>
        this.lease && this.options.heldRuns().length > 0 ? this.lease.leaseMs / 3 : Number.POSITIVE_INFINITY,
    });
    // Each attempt goes to the next hub of the list: after its hub died, the runner's first try is another hub.
    let nextHub = 0;
    while (!stopping()) {
      try {
        const current = await retry(
          () =>
            openHubSession({
              hubUrl: hubs[nextHub++ % hubs.length] as string,
              hello: {
                type: 'hello',
                protocol: PROTOCOL_VERSION,
                minProtocol: MIN_PROTOCOL_VERSION,
                credential: saved.credential,
                name: config.name,
                tags: config.tags,
                slots: config.slots,
                version: RUNNER_VERSION,
                ...this.options.hello(),
              },
              onWelcome: (session) => this.welcomed(session),
              onMessage: (message, session) => {
                this.lastContact = Date.now();
                this.options.onMessage(message, session);
              },
              heldRuns: this.options.heldRuns,
              signal: this.options.signal,
              onBadFrame: (problem) => logger.warn({ problem }, 'unreadable message from the hub'),
            }),
          {
            backoff,
            signal: this.options.signal,
            onRetry: (failure, delayMs) =>
              failure.reason.kind === 'refused' && failure.reason.code === 'incompatible-version'
                ? logger.error(
                    { hubs, reason: failure.message, delayMs },
                    'the hub speaks no protocol version of this runner; waiting for the hub to be upgraded',
                  )
                : logger.warn({ hubs, reason: failure.message, delayMs }, 'cannot reach the hub; retrying'),
          },
        );
        const failure = await current.closed;
        if (this.current === current) this.current = undefined;
        if (!stopping()) logger.warn({ reason: failure.message }, 'connection to the hub lost; reconnecting');
      } catch (err) {
        if (stopping()) break;
        if (!(err instanceof HubFailure)) throw err;
        // A saved credential the hub no longer knows (its data was reset), and a token at hand that this life has
        // not used: register again rather than make a person do it (`floe up` passes a fresh token every start).
        const reason = err.reason;
        if (reason.kind === 'refused' && reason.code === 'bad-credential' && config.token && !this.tokenUsed) {
          logger.warn('runner credential rejected; registering again with the token given');
          try {
            saved = await this.credential(true);
            this.saved = saved;
            continue;
          } catch (again) {
            if (stopping()) break;
            if (again instanceof HubFailure) return this.refusedForGood(again);
            throw again;
          }
        }
        return this.refusedForGood(err);
      }
    }
    return 0;
  }

  /** Logs what only a person can fix, and returns the exit status for it. */
  refusedForGood(failure: HubFailure): number {
    const reason = failure.reason;
    const message =
      reason.kind === 'refused' && reason.code === 'bad-credential'
        ? `runner credential rejected; re-register with a new token (floe runner token, then floe runner start --token …; the credential is ${this.options.config.credentialPath})`
        : failure.message;
    this.options.logger.error({ reason: reason.kind === 'refused' ? reason.code : reason.kind }, message);
    return EXIT_CONFIG;
  }

  /** Closes the session: the daemon is stopping, and the loop, which sees `stopping`, does not reopen it. */
  close(): void {
    this.current?.close();
  }

  /** Stops watching the lease (the daemon has ended). */
  dispose(): void {
    clearInterval(this.fence);
  }

  private welcomed(current: HubSession): void {
    this.current = current;
    this.lastContact = Date.now();
    this.lease = { leaseMs: current.welcome.leaseMs, heartbeatMs: current.welcome.heartbeatMs };
    this.options.onWelcome(current);
  }
}
