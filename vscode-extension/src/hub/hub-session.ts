// The connection to the hub and what it tells us: flows, runs and runners, kept current by the live API (pushed,
// not polled: the runs and runners topics, DESIGN §8 "Live API"). The views, the status bar and the commands read
// this one store and listen to `onDidChange`: one source of truth, so no view shows another state than the rest.
import {
  connectLive,
  createFloeClient,
  FloeApiError,
  type FloeClient,
  type FlowSummary,
  type LiveConnection,
  type LiveSocketConstructor,
  type RunnerView,
  type RunSummary,
} from '@floe/shared';
import * as vscode from 'vscode';
import WebSocket from 'ws';
import { readSettings, readToken } from '../configuration.js';
import type { OutputLog } from '../output-log.js';

/** The context key `floe.hubState` takes these values; package.json's welcome views choose their text by it. */
export type HubState = 'notConfigured' | 'signedOut' | 'connecting' | 'connected' | 'unreachable';

/** While the hub is unreachable at start, how often to try again (the live client retries by itself once open). */
const RETRY_MS = 5_000;

export class HubSession implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Anything changed: state, flows, runs or runners. */
  readonly onDidChange = this.changed.event;
  private readonly runChanged = new vscode.EventEmitter<RunSummary>();
  /** One run changed (made, dispatched, ended), as the hub pushed it. */
  readonly onRunChanged = this.runChanged.event;

  state: HubState = 'notConfigured';
  /** Why the state is what it is, in a sentence (shown in the views' messages). */
  detail = '';
  hubUrl = '';
  client: FloeClient | undefined;
  live: LiveConnection | undefined;
  flows: FlowSummary[] = [];
  runners: RunnerView[] = [];
  private readonly runs = new Map<string, RunSummary>();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: OutputLog,
  ) {}

  /** Runs newest first. */
  allRuns(): RunSummary[] {
    return [...this.runs.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  run(runId: string): RunSummary | undefined {
    return this.runs.get(runId);
  }

  /** The client, or an error that says what to do (for commands). */
  requireClient(): FloeClient {
    if (this.client === undefined || this.state === 'notConfigured') {
      throw new Error('Floe is not connected to a hub: run "Floe: Set Hub URL" and "Floe: Sign In".');
    }
    return this.client;
  }

  /** (Re)connects from the settings and the stored token. Never throws: failures become the state. */
  async connect(): Promise<void> {
    const generation = ++this.generation;
    this.closeConnection();
    const settings = readSettings();
    const token = await readToken(this.secrets);
    this.hubUrl = settings.hubUrl;
    if (settings.hubUrl === '' || token === undefined) {
      this.setState('notConfigured', settings.hubUrl === '' ? 'no hub URL set' : 'not signed in');
      return;
    }
    const client = createFloeClient({ baseUrl: settings.hubUrl, token });
    this.client = client;
    this.setState('connecting', `connecting to ${settings.hubUrl}`);
    try {
      await client.health();
      await client.me();
      await this.refresh();
    } catch (err) {
      if (generation !== this.generation) return;
      this.failed(err, generation);
      return;
    }
    if (generation !== this.generation) return;
    this.openLive(settings.hubUrl, token, generation);
  }

  /** Fetches flows, runs and runners again by REST (the Refresh command, and after a reconnect). */
  async refresh(): Promise<void> {
    const client = this.client;
    if (client === undefined) return;
    const [flows, page, runners] = await Promise.all([client.flows(), client.runs({ limit: 100 }), client.runners()]);
    this.flows = flows;
    this.runners = runners;
    this.runs.clear();
    for (const run of page.runs) this.runs.set(run.id, run);
    this.changed.fire();
  }

  private openLive(url: string, token: string, generation: number): void {
    const live = connectLive({
      url,
      token,
      WebSocket: WebSocket as unknown as LiveSocketConstructor,
      reconnect: { minMs: 500, maxMs: 10_000 },
      onStatus: (status) => {
        if (generation !== this.generation) return;
        this.log.debug('live connection', status);
        if (status === 'reconnecting') this.setState('unreachable', `lost the connection to ${url}; reconnecting`);
        if (status === 'open') {
          this.setState('connected', `connected to ${url}`);
          // Runs may have changed while the socket was down: the runs topic sends changes, not a snapshot.
          this.refresh().catch((err: unknown) => this.log.warn('refresh failed', String(err)));
        }
      },
    });
    this.live = live;
    live.ready.catch((err: unknown) => {
      if (generation === this.generation) this.failed(err, generation);
    });
    live.subscribe({ topic: 'runs' }, (message) => {
      if (message.type !== 'run-changed') return;
      this.runs.set(message.run.id, message.run);
      this.runChanged.fire(message.run);
      this.changed.fire();
    });
    live.subscribe({ topic: 'runners' }, (message) => {
      if (message.type !== 'runners') return;
      this.runners = message.runners;
      this.changed.fire();
    });
  }

  private failed(err: unknown, generation: number): void {
    const apiError = err instanceof FloeApiError ? err : undefined;
    if (apiError?.status === 401 || apiError?.code === 'FLOE_UNAUTHENTICATED') {
      this.setState('signedOut', 'the hub refused the token');
      return;
    }
    this.log.warn('hub unreachable', String(err));
    this.setState('unreachable', apiError?.message ?? String(err));
    this.retryTimer = setTimeout(() => {
      if (generation === this.generation) void this.connect();
    }, RETRY_MS);
  }

  private setState(state: HubState, detail: string): void {
    const changed = state !== this.state || detail !== this.detail;
    this.state = state;
    this.detail = detail;
    if (!changed) return;
    this.log.info('hub state', state, detail);
    void vscode.commands.executeCommand('setContext', 'floe.hubState', state);
    this.changed.fire();
  }

  private closeConnection(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.live?.close();
    this.live = undefined;
    this.client = undefined;
  }

  dispose(): void {
    this.generation += 1;
    this.closeConnection();
    this.changed.dispose();
    this.runChanged.dispose();
  }
}
