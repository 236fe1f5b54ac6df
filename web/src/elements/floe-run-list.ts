import { type RunSummary, UNTRUSTED_SUMMARY } from '@floe/shared';
import { css, html, LitElement } from 'lit';
import { formatElapsed, formatTime, shortRef } from '../format.js';
import { flowPath, runPath } from '../router.js';
import { sharedStyles } from '../shared-styles.js';

/** Where a run stands, in one word: its result once archived, else its list. */
export function runStatus(run: RunSummary): string {
  return run.state === 'archived' ? (run.result ?? 'archived') : run.state;
}

/**
 * Runs as a table (cards on a phone): number, flow, status, why (pending reason or how it ended), ref, trigger,
 * when and how long.
 */
export class FloeRunList extends LitElement {
  static override properties = { runs: { attribute: false } };
  static override styles = [
    sharedStyles,
    css`
      .why {
        max-width: 28rem;
      }
      @media (max-width: 700px) {
        thead {
          display: none;
        }
        tr {
          display: grid;
          grid-template-columns: auto 1fr auto;
          gap: 0.1rem 0.6rem;
          padding: 0.5rem 0;
          border-bottom: 1px solid var(--floe-border);
        }
        td {
          border: none;
          padding: 0;
        }
        td.why,
        td.ref,
        td.by,
        td.when {
          grid-column: 1 / -1;
        }
      }
    `,
  ];
  declare runs: RunSummary[];

  constructor() {
    super();
    this.runs = [];
  }

  override render() {
    if (this.runs.length === 0) return html`<p class="muted">No runs.</p>`;
    return html`<table>
      <thead>
        <tr><th>Run</th><th>Flow</th><th>Status</th><th>Why</th><th>Ref</th><th>Started by</th><th>When</th></tr>
      </thead>
      <tbody>
        ${this.runs.map((run) => {
          const status = runStatus(run);
          const why =
            run.state === 'pending'
              ? run.pendingReason
              : run.state === 'archived'
                ? run.reason
                : run.stopping
                  ? `stopping: ${run.stopping}`
                  : run.runner
                    ? `on ${run.runner}`
                    : '';
          return html`<tr data-run=${run.id} data-state=${run.state}>
            <td><a href=${runPath(run.id)}>#${run.number}</a></td>
            <td><a href=${flowPath(run.repo, run.flowId)}>${run.flowId}</a> <span class="muted">${run.repo}</span></td>
            <td><span class="badge s-${status}">${status}</span>${
              run.trust === 'untrusted'
                ? html` <span class="badge untrusted" data-testid="run-trust" title=${UNTRUSTED_SUMMARY}>untrusted</span>`
                : null
            }</td>
            <td class="why">${why}</td>
            <td class="ref mono">${shortRef(run.ref)}${run.sha ? html` <span class="muted">${run.sha.slice(0, 7)}</span>` : null}</td>
            <td class="by">${run.trigger.type}${run.trigger.by ? ` by ${run.trigger.by}` : ''}</td>
            <td class="when">
              ${formatTime(run.createdAt)}
              ${run.startedAt ? html`<span class="muted">· ${formatElapsed(run.startedAt, run.endedAt)}</span>` : null}
            </td>
          </tr>`;
        })}
      </tbody>
    </table>`;
  }
}

customElements.define('floe-run-list', FloeRunList);
declare global {
  interface HTMLElementTagNameMap {
    'floe-run-list': FloeRunList;
  }
}
