import { type Form, type FormValues, type NodeView, type RunDetail, UNTRUSTED_SUMMARY } from '@floe/shared';
import { ContextConsumer } from '@lit/context';
import { css, html, LitElement, nothing } from 'lit';
import { formatElapsed, formatTime, shortRef } from '../format.js';
import { LiveTask } from '../live-task.js';
import { mergeFetchedRun, unionEvents } from '../merge-run.js';
import { flowPath, navigate, runPath } from '../router.js';
import { may, servicesContext } from '../services.js';
import { sharedStyles } from '../shared-styles.js';
import { artifactsKey } from './floe-run-artifacts.js';
import { runStatus } from './floe-run-list.js';
import './floe-error-box.js';
import './floe-form.js';
import './floe-log-view.js';
import './floe-run-graph.js';
import './floe-run-timeline.js';
import './floe-spinner.js';

/**
 * One run: its header (status, why, what and where), cancel and retry, the graph of its nodes, its timeline, and
 * the chosen node with its log and, for a `data` task waiting for a person, its form. Live from the `run` topic.
 */
export class FloeRunPage extends LitElement {
  static override properties = {
    runId: { attribute: 'run-id' },
    node: {},
    acting: { state: true },
    actionError: { state: true },
  };
  static override styles = [
    sharedStyles,
    css`
      header {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: baseline;
        margin-bottom: 0.6rem;
      }
      header h1 {
        margin: 0;
      }
      dl {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 0.2rem 0.8rem;
        margin: 0 0 0.8rem;
        font-size: 0.9rem;
      }
      dt {
        color: var(--floe-muted);
      }
      dd {
        margin: 0;
      }
      section {
        margin: 1rem 0;
      }
      .pending {
        border-left: 4px solid var(--floe-input);
        padding: 0.4rem 0.8rem;
        background: var(--floe-bg-alt);
        margin-bottom: 0.8rem;
      }
      .answered {
        border-left: 4px solid var(--floe-good);
        padding: 0.4rem 0.8rem;
        background: var(--floe-bg-alt);
      }
    `,
  ];
  declare runId: string;
  declare node: string | undefined;
  declare private acting: string | undefined;
  declare private actionError: unknown;
  private readonly services = new ContextConsumer(this, { context: servicesContext, subscribe: true });

  private readonly run = new LiveTask(this, {
    args: () => (this.services.value ? ([this.services.value, this.runId] as const) : undefined),
    task: ([services, runId]) => services.client.run(runId),
    live: ([services, runId], update) =>
      services.live.subscribe({ topic: 'run', runId }, (message) => {
        if (message.type === 'run') update((run) => ({ ...message.run, events: run?.events ?? message.run.events }));
        if (message.type === 'run-event') {
          update((run) => run && { ...run, events: unionEvents(run.events, [message.event]) });
        }
      }),
    // Live messages may have come in while the run was being fetched, some newer than the fetched run.
    merge: mergeFetchedRun,
  });

  constructor() {
    super();
    this.runId = '';
  }

  /** Durations of a run that is still going count up on screen. */
  private ticker: ReturnType<typeof setInterval> | undefined;

  override connectedCallback() {
    super.connectedCallback();
    this.ticker = setInterval(() => {
      if (this.run.value !== undefined && this.run.value.state !== 'archived') this.requestUpdate();
    }, 1000);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    clearInterval(this.ticker);
  }

  override willUpdate(changed: Map<PropertyKey, unknown>) {
    if (changed.has('runId')) this.actionError = undefined;
  }

  override updated() {
    const run = this.run.value;
    if (run) document.title = `${run.flowId} #${run.number} ${runStatus(run)} · floe`;
  }

  override render() {
    return this.run.render({
      pending: () => html`<floe-spinner label="Loading the run…"></floe-spinner>`,
      error: (error) =>
        html`<floe-error-box .error=${error} retryable @floe-retry=${() => this.run.rerun()}></floe-error-box>`,
      complete: (run) => this.renderRun(run),
    });
  }

  private renderRun(run: RunDetail) {
    const status = runStatus(run);
    const selected = this.selectedNode(run);
    return html`<header>
        <h1>${run.flowId} #${run.number}</h1>
        <span class="badge s-${status}" data-testid="run-status">${status}</span>
        ${run.trust === 'untrusted' ? html`<span class="badge untrusted" data-testid="run-trust" title=${UNTRUSTED_SUMMARY}>untrusted</span>` : nothing}
        ${this.renderActions(run)}
      </header>
      <floe-error-box .error=${this.actionError}></floe-error-box>
      ${
        run.state === 'pending'
          ? html`<div class="pending" data-testid="pending-reason">
            <strong>Waiting:</strong> ${run.pendingReason ?? 'for a runner'}
          </div>`
          : nothing
      }
      ${
        run.stopping
          ? html`<div class="pending" data-testid="run-stopping">
            <strong>Stopping:</strong> ${run.stopping} — waiting for its tasks to stop
          </div>`
          : nothing
      }
      ${run.warnings?.map((warning) => html`<div class="pending" data-testid="run-warning"><strong>Warning:</strong> ${warning}</div>`)}
      <dl>
        <dt>Flow</dt><dd><a href=${flowPath(run.repo, run.flowId)}>${run.flowId}</a> in ${run.repo}</dd>
        ${run.ref ? html`<dt>Ref</dt><dd class="mono">${shortRef(run.ref)} ${run.sha ? run.sha.slice(0, 10) : ''}</dd>` : nothing}
        <dt>Started by</dt><dd>${run.trigger.type}${run.trigger.by ? ` by ${run.trigger.by}` : ''}</dd>
        <dt>Trust</dt><dd data-testid="run-trust-detail">${run.trust === 'untrusted' ? `untrusted: ${UNTRUSTED_SUMMARY}` : 'trusted'}</dd>
        ${run.retryOf ? html`<dt>Retries</dt><dd><a href=${runPath(run.retryOf)}>${run.retryOf}</a></dd>` : nothing}
        ${run.runner ? html`<dt>Runner</dt><dd>${run.runner}</dd>` : nothing}
        <dt>Created</dt><dd>${formatTime(run.createdAt)}</dd>
        ${run.startedAt ? html`<dt>Duration</dt><dd>${formatElapsed(run.startedAt, run.endedAt)}</dd>` : nothing}
        ${run.reason ? html`<dt>Ended</dt><dd data-testid="run-reason">${run.reason}</dd>` : nothing}
        ${
          run.data && Object.keys(run.data).length > 0
            ? html`<dt>Data</dt><dd class="mono">${Object.entries(run.data)
                .map(([k, v]) => `${k}=${v}`)
                .join(' ')}</dd>`
            : nothing
        }
      </dl>
      <section aria-label="Graph">
        <floe-run-graph .nodes=${run.nodes} .selected=${selected?.id}
          @floe-select-node=${(e: CustomEvent<{ node: string }>) => navigate(runPath(run.id, e.detail.node), true)}>
        </floe-run-graph>
      </section>
      ${selected ? this.renderNode(run, selected) : nothing}
      <section id="artifacts" aria-label="Artifacts">
        <h2>Artifacts</h2>
        <floe-run-artifacts .runId=${run.id} .runState=${artifactsKey(run)}></floe-run-artifacts>
      </section>
      <section aria-label="Timeline">
        <h2>Timeline</h2>
        <floe-run-timeline .nodes=${run.nodes} .events=${run.events ?? []} .startedAt=${run.startedAt}
          .now=${run.state === 'archived' ? run.endedAt : Date.now()}></floe-run-timeline>
      </section>`;
  }

  private renderActions(run: RunDetail) {
    if (!may(this.services.value, 'operator')) return nothing;
    const failed = run.nodes.find((node) => node.state === 'bad' || node.state === 'error');
    const busy = this.acting !== undefined;
    return html`<div class="row">
      ${
        run.state !== 'archived'
          ? html`<button class="danger" ?disabled=${busy} @click=${() => this.act('cancel', (s) => s.client.cancelRun(run.id))}>
            Cancel
          </button>`
          : html`<button ?disabled=${busy} @click=${() => this.retry(run.id)}>Retry</button>
            ${
              failed
                ? html`<button ?disabled=${busy} @click=${() => this.retry(run.id, failed.id)}>Retry from ${failed.name ?? failed.id}</button>`
                : nothing
            }`
      }
      ${busy ? html`<floe-spinner label=${this.acting ?? ''}></floe-spinner>` : nothing}
    </div>`;
  }

  private renderNode(run: RunDetail, node: NodeView) {
    const waitingForm = node.state === 'awaiting-input' && run.state !== 'archived';
    return html`<section aria-label="Node ${node.id}" data-testid="node-panel">
      <h2>
        ${node.name ?? node.id} <span class="badge s-${node.state}">${node.state}</span>
        ${node.replayed ? html`<span class="badge muted">replayed</span>` : nothing}
      </h2>
      <dl>
        <dt>Type</dt><dd>${node.type ?? ''}</dd>
        ${node.exitCode !== undefined ? html`<dt>Exit code</dt><dd>${node.exitCode}</dd>` : nothing}
        ${node.attempt ? html`<dt>Attempt</dt><dd>${node.attempt}</dd>` : nothing}
        ${node.startedAt ? html`<dt>Took</dt><dd>${formatElapsed(node.startedAt, node.endedAt)}</dd>` : nothing}
        ${node.reason ? html`<dt>Why</dt><dd>${node.reason}</dd>` : nothing}
        ${node.tag ? html`<dt>Emitted</dt><dd class="mono">${node.tag}</dd>` : nothing}
      </dl>
      ${
        node.by !== undefined || node.values !== undefined
          ? html`<div class="answered" data-testid="answered">
            Answered by <strong>${node.by ?? 'someone'}</strong>
            ${node.answeredAt ? html`at ${formatTime(node.answeredAt)}` : nothing}${node.state === 'bad' ? ' (rejected)' : ''}
            ${
              node.values && Object.keys(node.values).length > 0
                ? html`<div class="mono">${Object.entries(node.values)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(' ')}</div>`
                : nothing
            }
          </div>`
          : nothing
      }
      ${waitingForm ? this.renderDataForm(run, node) : nothing}
      ${
        node.type !== 'merge' && node.type !== 'data' && node.type !== 'end'
          ? html`<h3>Log</h3><floe-log-view .runId=${run.id} .node=${node.id}></floe-log-view>`
          : nothing
      }
    </section>`;
  }

  private renderDataForm(run: RunDetail, node: NodeView) {
    if (!may(this.services.value, 'operator')) return html`<p class="muted">Waiting for an operator to answer.</p>`;
    const form = formOf(node);
    return html`<div class="card" data-testid="data-form">
      <p>This task waits for a person: approve to go on, reject to make it bad.</p>
      <floe-form .form=${form} submit-label="Approve" reject-label="Reject" ?busy=${this.acting !== undefined}
        @floe-form-submit=${(e: CustomEvent<{ values: FormValues }>) =>
          this.act('Sending…', (s) => s.client.submitData(run.id, node.id, { values: e.detail.values }))}
        @floe-form-reject=${() => this.act('Sending…', (s) => s.client.submitData(run.id, node.id, { reject: true }))}>
      </floe-form>
    </div>`;
  }

  /** The node the URL names, else the one that most needs looking at. */
  private selectedNode(run: RunDetail): NodeView | undefined {
    const nodes = run.nodes;
    return (
      nodes.find((node) => node.id === this.node) ??
      nodes.find((node) => node.state === 'awaiting-input') ??
      nodes.find((node) => node.state === 'running') ??
      nodes.find((node) => node.state === 'bad' || node.state === 'error') ??
      [...nodes].reverse().find((node) => node.startedAt !== undefined && node.type !== 'merge') ??
      nodes[0]
    );
  }

  private async act(label: string, action: (services: NonNullable<typeof this.services.value>) => Promise<unknown>) {
    const services = this.services.value;
    if (!services) return;
    this.acting = label === 'cancel' ? 'Cancelling…' : label;
    this.actionError = undefined;
    try {
      return await action(services);
    } catch (error) {
      this.actionError = error;
      return undefined;
    } finally {
      this.acting = undefined;
    }
  }

  private async retry(runId: string, from?: string) {
    const created = (await this.act('Starting the retry…', (s) => s.client.retryRun(runId, from ? { from } : {}))) as
      | { runId: string }
      | undefined;
    if (created) navigate(runPath(created.runId));
  }
}

/** The form a `data` task shows; without one, approve and reject alone. */
function formOf(node: NodeView): Form {
  return node.form ?? { fields: [] };
}

customElements.define('floe-run-page', FloeRunPage);
declare global {
  interface HTMLElementTagNameMap {
    'floe-run-page': FloeRunPage;
  }
}
