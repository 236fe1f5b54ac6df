import type { FlowSummary, RunSummary } from '@floe/shared';
import { ContextConsumer } from '@lit/context';
import { html, LitElement } from 'lit';
import { LiveTask } from '../live-task.js';
import { servicesContext } from '../services.js';
import { sharedStyles } from '../shared-styles.js';
import './floe-error-box.js';
import './floe-flow-card.js';
import './floe-spinner.js';

const LAST_RUNS = 8;

/** Every flow of every repository, each with its triggers and last runs, kept up to date live (DESIGN §7). */
export class FloeFlowsPage extends LitElement {
  static override styles = sharedStyles;
  private readonly services = new ContextConsumer(this, { context: servicesContext, subscribe: true });
  private readonly flows = new LiveTask(this, {
    args: () => (this.services.value ? ([this.services.value] as const) : undefined),
    task: async ([services]) => {
      const flows = await services.client.flows();
      const runs = await Promise.all(
        flows.map((flow) => services.client.runs({ flow: flow.id, repo: flow.repo, limit: LAST_RUNS })),
      );
      return flows.map((flow, i) => ({ flow, runs: runs[i]?.runs ?? [] }));
    },
    live: ([services], update) =>
      services.live.subscribe({ topic: 'runs' }, (message) => {
        if (message.type !== 'run-changed') return;
        const run = message.run;
        update((entries) =>
          entries?.map((entry) => {
            if (entry.flow.id !== run.flowId || entry.flow.repo !== run.repo) return entry;
            const others = entry.runs.filter((r) => r.id !== run.id);
            const runs = [...others, run].sort((a, b) => b.createdAt - a.createdAt).slice(0, LAST_RUNS);
            return { ...entry, runs };
          }),
        );
      }),
  });

  override render() {
    return html`<h1>Flows</h1>
      ${this.flows.render({
        pending: () => html`<floe-spinner label="Loading flows…"></floe-spinner>`,
        error: (error) =>
          html`<floe-error-box .error=${error} retryable @floe-retry=${() => this.flows.rerun()}></floe-error-box>`,
        complete: (entries: Array<{ flow: FlowSummary; runs: RunSummary[] }>) =>
          entries.length === 0
            ? html`<p class="muted">No flows yet: the hub finds them in each repository's FLOE.yaml.</p>`
            : entries.map(({ flow, runs }) => html`<floe-flow-card .flow=${flow} .runs=${runs}></floe-flow-card>`),
      })}`;
  }
}

customElements.define('floe-flows-page', FloeFlowsPage);
declare global {
  interface HTMLElementTagNameMap {
    'floe-flows-page': FloeFlowsPage;
  }
}
