import type { AuditEntry } from '@floe/shared';
import { ContextConsumer } from '@lit/context';
import { html, LitElement, nothing } from 'lit';
import { formatTime } from '../format.js';
import { LiveTask } from '../live-task.js';
import { runPath } from '../router.js';
import { servicesContext } from '../services.js';
import { sharedStyles } from '../shared-styles.js';
import './floe-error-box.js';
import './floe-spinner.js';

/**
 * The audit log, for admins (docs/security.md "Revocation, expiry and audit"): who did what, when, to what, newest
 * first, a page at a time ("Older" loads the next page from the cursor).
 */
export class FloeAuditPage extends LitElement {
  static override styles = sharedStyles;
  static override properties = { older: { state: true }, next: { state: true }, problem: { state: true } };
  private readonly services = new ContextConsumer(this, { context: servicesContext, subscribe: true });
  private readonly first = new LiveTask(this, {
    args: () => (this.services.value ? ([this.services.value] as const) : undefined),
    task: async ([services]) => {
      const page = await services.client.audit({ limit: 50 });
      this.older = [];
      this.next = page.next;
      return page.entries;
    },
  });
  /** Pages loaded with "Older", after the first. */
  declare older: AuditEntry[];
  declare next: string | undefined;
  declare problem: string | undefined;

  private async loadOlder() {
    const services = this.services.value;
    if (!services || this.next === undefined) return;
    try {
      const page = await services.client.audit({ limit: 50, cursor: this.next });
      this.older = [...(this.older ?? []), ...page.entries];
      this.next = page.next;
      this.problem = undefined;
    } catch (err) {
      this.problem = err instanceof Error ? err.message : String(err);
    }
  }

  private target(entry: AuditEntry) {
    return entry.action.startsWith('run.') ? html`<a href=${runPath(entry.target)}>${entry.target}</a>` : entry.target;
  }

  override render() {
    return html`<h1>Audit log</h1>
      <p class="muted">Every admin and operator action through the API: tokens, secrets, runners, starts, cancels,
        retries and form answers.</p>
      ${this.problem ? html`<p class="s-bad" role="alert">${this.problem}</p>` : nothing}
      ${this.first.render({
        pending: () => html`<floe-spinner label="Loading the audit log…"></floe-spinner>`,
        error: (error) =>
          html`<floe-error-box .error=${error} retryable @floe-retry=${() => this.first.rerun()}></floe-error-box>`,
        complete: (first: AuditEntry[]) => {
          const entries = [...first, ...(this.older ?? [])];
          return entries.length === 0
            ? html`<p class="muted">Nothing yet.</p>`
            : html`<div class="scroll-x"><table>
                <thead><tr><th>When</th><th>Who</th><th>What</th><th>On</th><th>Details</th></tr></thead>
                <tbody>
                  ${entries.map(
                    (entry) => html`<tr data-audit=${entry.id} data-action=${entry.action}>
                      <td>${formatTime(entry.at)}</td>
                      <td><strong>${entry.actor}</strong> <span class="badge muted">${entry.role}</span></td>
                      <td><code>${entry.action}</code></td>
                      <td>${this.target(entry)}</td>
                      <td class="muted">${Object.entries(entry.detail ?? {})
                        .map(([key, value]) => `${key}: ${value}`)
                        .join(', ')}</td>
                    </tr>`,
                  )}
                </tbody>
              </table></div>
              ${this.next !== undefined ? html`<button @click=${() => this.loadOlder()}>Older</button>` : nothing}`;
        },
      })}`;
  }
}

customElements.define('floe-audit-page', FloeAuditPage);
declare global {
  interface HTMLElementTagNameMap {
    'floe-audit-page': FloeAuditPage;
  }
}
