import type { DeliveryView, FlowTrends } from '@floe/shared';
import { css, html, LitElement, nothing } from 'lit';
import { formatTime } from '../format.js';
import { runPath } from '../router.js';
import { setStyle } from '../set-style.js';
import { sharedStyles } from '../shared-styles.js';

/** A duration in words: `850 ms`, `42s`, `3m 5s`, `1h 2m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/**
 * The flow page's reports (docs/api.md "Trends", "Notifications"): how long its last runs took (p50 / p95, a bar per
 * run), the tasks that fail most, and the log of its outgoing webhooks with every attempt.
 */
export class FloeFlowReports extends LitElement {
  static override properties = { trends: { attribute: false }, deliveries: { attribute: false } };
  static override styles = [
    sharedStyles,
    css`
      .bars {
        display: flex;
        align-items: flex-end;
        gap: 2px;
        height: 3rem;
        margin: 0.4rem 0;
      }
      .bars a {
        display: block;
        width: 0.5rem;
        min-height: 2px;
        background: currentColor;
      }
      .figures {
        font-size: 1.1rem;
      }
      ol {
        margin: 0.2rem 0;
        padding-left: 1.2rem;
      }
    `,
  ];
  declare trends: FlowTrends | undefined;
  declare deliveries: DeliveryView[];

  constructor() {
    super();
    this.deliveries = [];
  }

  override render() {
    return html`${this.renderTrends()}${this.renderDeliveries()}`;
  }

  private renderTrends() {
    const trends = this.trends;
    if (!trends) return nothing;
    const longest = Math.max(1, ...trends.recent.map((r) => r.durationMs));
    return html`<section aria-label="Trends">
      <h2>Trends</h2>
      ${
        trends.durationMs
          ? html`<p class="figures" data-trend="duration">
              Duration of the last ${trends.timed} runs: <strong>p50 ${formatDuration(trends.durationMs.p50)}</strong>
              · <strong>p95 ${formatDuration(trends.durationMs.p95)}</strong>
            </p>
            <div class="bars" aria-hidden="true">
              ${trends.recent.map(
                (r) =>
                  html`<a
                    href=${runPath(r.runId)}
                    class="s-${r.result}"
                    title="#${r.number} ${r.result}: ${formatDuration(r.durationMs)}"
                    ${setStyle({ height: `${Math.max(4, Math.round((r.durationMs / longest) * 100))}%` })}
                  ></a>`,
              )}
            </div>`
          : html`<p class="muted">No run has ended after running yet.</p>`
      }
      ${
        trends.failingTasks.length > 0
          ? html`<h3>Tasks that fail most</h3>
            <table data-trend="failing">
              <thead><tr><th>Task</th><th>Failed</th><th>Last failure</th></tr></thead>
              <tbody>
                ${trends.failingTasks.map(
                  (task) => html`<tr>
                    <td>${task.name} <span class="muted mono">${task.node}</span></td>
                    <td>${task.failures} of ${task.ran} runs</td>
                    <td><a href=${runPath(task.lastRunId, task.node)}>that run</a></td>
                  </tr>`,
                )}
              </tbody>
            </table>`
          : trends.runs > 0
            ? html`<p class="muted">No task failed in the last ${trends.runs} runs.</p>`
            : nothing
      }
    </section>`;
  }

  private renderDeliveries() {
    if (this.deliveries.length === 0) return nothing;
    return html`<section aria-label="Notifications">
      <h2>Notifications</h2>
      <div class="scroll-x">
        <table data-deliveries>
          <thead><tr><th>Run</th><th>To</th><th>State</th><th>Attempts</th></tr></thead>
          <tbody>
            ${this.deliveries.map(
              (d) => html`<tr data-delivery=${d.id}>
                <td><a href=${runPath(d.runId)}>${d.runId}</a><br /><span class="muted">${formatTime(d.createdAt)}</span></td>
                <td class="mono">${d.url}<br /><span class="muted">${d.target} · ${d.format}${d.signed ? ' · signed' : ''}</span></td>
                <td>
                  <span class="badge s-${d.state === 'delivered' ? 'good' : d.state === 'failed' ? 'bad' : 'pending'}"
                    >${d.state}</span
                  >
                  ${d.nextAt !== undefined ? html`<br /><span class="muted">next try ${formatTime(d.nextAt)}</span>` : nothing}
                </td>
                <td>
                  <ol>
                    ${d.log.map(
                      (a) =>
                        html`<li data-attempt=${a.attempt}>
                          ${formatTime(a.at)}: ${a.status !== undefined ? `HTTP ${a.status}` : ''}${a.error ? ` ${a.error}` : ''}
                          <span class="muted">(${formatDuration(a.durationMs)})</span>
                        </li>`,
                    )}
                  </ol>
                </td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </section>`;
  }
}

customElements.define('floe-flow-reports', FloeFlowReports);
declare global {
  interface HTMLElementTagNameMap {
    'floe-flow-reports': FloeFlowReports;
  }
}
