import { ContextConsumer } from '@lit/context';
import { html, LitElement, nothing } from 'lit';
import { LiveTask } from '../live-task.js';
import { runPath, runsPath } from '../router.js';
import { servicesContext } from '../services.js';
import { sharedStyles } from '../shared-styles.js';
import './floe-error-box.js';
import './floe-flow-card.js';
import './floe-flow-reports.js';
import './floe-run-list.js';
import './floe-spinner.js';

/**
 * One flow (`/flows/:repo/:flowId`, DESIGN §8 "Links and health"): its card with start forms, its recent runs, its
 * flaky tests (failed, then passed in a retry at the same commit), then its trends and the log of its notifications
 * (floe-flow-reports.ts), read when the page opens.
 */
export class FloeFlowPage extends LitElement {
  static override properties = { repo: {}, flowId: { attribute: 'flow-id' } };
  static override styles = sharedStyles;
  declare repo: string;
  declare flowId: string;
  private readonly services = new ContextConsumer(this, { context: servicesContext, subscribe: true });
  private readonly data = new LiveTask(this, {
    args: () => (this.services.value ? ([this.services.value, this.repo, this.flowId] as const) : undefined),
    task: async ([services, repo, flowId]) => {
      const [flows, page, flaky] = await Promise.all([
        services.client.flows(),
        services.client.runs({ flow: flowId, repo, limit: 20 }),
        services.client.flakyTests(flowId, repo),
      ]);
      const flow = flows.find((f) => f.repo === repo && f.id === flowId);
      // Trends and the delivery log are extras: a hub that cannot give them still shows the flow and its runs.
      const [trends, deliveries] = flow
        ? await Promise.all([
            services.client.flowTrends(flowId, { repo }).catch(() => undefined),
            services.client.deliveries(flowId, { repo }).catch(() => []),
          ])
        : [undefined, []];
      return { flow, runs: page.runs, flaky, trends, deliveries };
    },
    live: ([services, repo, flowId], update) =>
      services.live.subscribe({ topic: 'runs', flow: flowId }, (message) => {
        if (message.type !== 'run-changed' || message.run.repo !== repo) return;
        update((data) => {
          if (!data) return data;
          const others = data.runs.filter((run) => run.id !== message.run.id);
          const runs = [...others, message.run].sort((a, b) => b.createdAt - a.createdAt).slice(0, 20);
          return { ...data, runs };
        });
      }),
  });

  constructor() {
    super();
    this.repo = '';
    this.flowId = '';
  }

  override render() {
    return this.data.render({
      pending: () => html`<floe-spinner label="Loading the flow…"></floe-spinner>`,
      error: (error) =>
        html`<floe-error-box .error=${error} retryable @floe-retry=${() => this.data.rerun()}></floe-error-box>`,
      complete: ({ flow, runs, flaky, trends, deliveries }) =>
        flow === undefined
          ? html`<h1>No such flow</h1><p>The hub knows no flow <code>${this.flowId}</code> in ${this.repo}.</p>`
          : html`<floe-flow-card .flow=${flow} .runs=${runs.slice(0, 8)}></floe-flow-card>
              <h2>Recent runs</h2>
              <floe-run-list .runs=${runs}></floe-run-list>
              ${runs.length > 0 ? html`<p><a href=${runsPath({ flow: flow.id })}>All runs of ${flow.name}</a></p>` : nothing}
              ${
                flaky.length > 0
                  ? html`<section aria-label="Flaky tests" data-testid="flaky-tests">
                    <h2>Flaky tests</h2>
                    <ul>${flaky.map(
                      (test) => html`<li data-testid="flaky-test"><span class="badge">flaky</span>
                        ${[test.classname, test.name].filter(Boolean).join(' ')} <span class="muted">(${test.node})</span>:
                        failed in <a href=${runPath(test.failedRun.id)}>#${test.failedRun.number}</a>, passed in its retry
                        <a href=${runPath(test.passedRun.id)}>#${test.passedRun.number}</a> at ${test.sha.slice(0, 10)}</li>`,
                    )}</ul>
                  </section>`
                  : nothing
              }
              <floe-flow-reports .trends=${trends} .deliveries=${deliveries}></floe-flow-reports>`,
    });
  }
}

customElements.define('floe-flow-page', FloeFlowPage);
declare global {
  interface HTMLElementTagNameMap {
    'floe-flow-page': FloeFlowPage;
  }
}
