import { type FlowSummary, type FlowTriggerView, FormSchema, type FormValues, type RunSummary } from '@floe/shared';
import { ContextConsumer } from '@lit/context';
import { css, html, LitElement, nothing } from 'lit';
import { flowPath, navigate, runPath } from '../router.js';
import { may, servicesContext } from '../services.js';
import { sharedStyles } from '../shared-styles.js';
import { runStatus } from './floe-run-list.js';
import './floe-error-box.js';
import './floe-form.js';

/**
 * A flow at a glance: its triggers, lint errors, its last runs' results, and a start form per `data` trigger
 * (typed fields, checked before sending). Starting a run goes to the new run's page.
 */
export class FloeFlowCard extends LitElement {
  static override properties = {
    flow: { attribute: false },
    runs: { attribute: false },
    opened: { state: true },
    starting: { state: true },
    startError: { state: true },
  };
  static override styles = [
    sharedStyles,
    css`
      :host {
        margin-bottom: 0.8rem;
      }
      h2 {
        margin: 0;
      }
      h2 a {
        color: var(--floe-fg);
      }
      .triggers {
        margin: 0.4rem 0;
      }
      .dots a {
        text-decoration: none;
      }
      .lint {
        color: var(--floe-bad);
        font-family: var(--floe-mono);
        font-size: 0.85rem;
        margin: 0.3rem 0;
        padding-left: 1rem;
      }
      .start {
        margin-top: 0.6rem;
      }
    `,
  ];
  declare flow: FlowSummary;
  declare runs: RunSummary[];
  declare private opened: string | undefined;
  declare private starting: boolean;
  declare private startError: unknown;
  private readonly services = new ContextConsumer(this, { context: servicesContext, subscribe: true });

  constructor() {
    super();
    this.runs = [];
    this.starting = false;
  }

  override render() {
    const flow = this.flow;
    const dataTriggers = flow.triggers.filter((trigger) => trigger.type === 'data');
    const canStart = may(this.services.value, 'operator') && flow.errors === undefined;
    return html`<article class="card" data-flow=${flow.id}>
      <div class="row">
        <h2><a href=${flowPath(flow.repo, flow.id)}>${flow.name}</a></h2>
        <span class="muted">${flow.repo} · ${flow.id}</span>
        <span class="row dots" aria-label="Last runs">
          ${this.runs.map((run) => {
            const status = runStatus(run);
            return html`<a href=${runPath(run.id)} class="badge s-${status}" title="#${run.number}: ${status}">#${run.number}</a>`;
          })}
          ${this.runs.length === 0 ? html`<span class="muted">no runs yet</span>` : nothing}
        </span>
      </div>
      <div class="row triggers">
        ${flow.triggers.map((trigger) => html`<span class="badge muted" title=${describeTrigger(trigger)}>${trigger.type}: ${trigger.name ?? trigger.id}</span>`)}
      </div>
      ${flow.errors ? html`<ul class="lint">${flow.errors.map((error) => html`<li>${error}</li>`)}</ul>` : nothing}
      ${
        canStart
          ? html`<div class="row start">
            ${
              dataTriggers.length === 0
                ? html`<button ?disabled=${this.starting} @click=${() => this.start({})}>Start run</button>`
                : nothing
            }
            ${dataTriggers.map(
              (trigger) =>
                html`<button aria-expanded=${this.opened === trigger.id ? 'true' : 'false'}
                  @click=${() => (this.opened = this.opened === trigger.id ? undefined : trigger.id)}>
                  Start: ${trigger.name ?? trigger.id}
                </button>`,
            )}
          </div>`
          : nothing
      }
      ${this.renderStartForm(dataTriggers.find((trigger) => trigger.id === this.opened))}
      ${this.opened === undefined ? html`<floe-error-box .error=${this.startError}></floe-error-box>` : nothing}
    </article>`;
  }

  private renderStartForm(trigger: FlowTriggerView | undefined) {
    if (!trigger) return nothing;
    const parsed = FormSchema.safeParse(trigger.opts?.form ?? {});
    const form = parsed.success ? parsed.data : { fields: [] };
    return html`<div class="start">
      <floe-form .form=${form} submit-label="Start run" ?busy=${this.starting}
        @floe-form-submit=${(e: CustomEvent<{ values: FormValues }>) => this.start(e.detail.values)}></floe-form>
      <floe-error-box .error=${this.startError}></floe-error-box>
    </div>`;
  }

  private async start(data: FormValues) {
    const services = this.services.value;
    if (!services) return;
    this.starting = true;
    this.startError = undefined;
    try {
      const { runId } = await services.client.startRun(this.flow.id, { data, repo: this.flow.repo });
      navigate(runPath(runId));
    } catch (error) {
      this.startError = error;
    } finally {
      this.starting = false;
    }
  }
}

function describeTrigger(trigger: FlowTriggerView): string {
  const opts = { ...(trigger.opts ?? {}) };
  delete opts.form;
  return Object.keys(opts).length === 0 ? trigger.type : JSON.stringify(opts);
}

customElements.define('floe-flow-card', FloeFlowCard);
declare global {
  interface HTMLElementTagNameMap {
    'floe-flow-card': FloeFlowCard;
  }
}
