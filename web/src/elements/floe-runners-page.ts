import type { RunnerView } from '@floe/shared';
import { ContextConsumer } from '@lit/context';
import { html, LitElement, nothing } from 'lit';
import { formatTime } from '../format.js';
import { LiveTask } from '../live-task.js';
import { runPath } from '../router.js';
import { may, servicesContext } from '../services.js';
import { sharedStyles } from '../shared-styles.js';
import './floe-error-box.js';
import './floe-spinner.js';

/**
 * The runners: name, tags, slots, connected or not, drained or not, sandboxed or not (and why), their version and
 * whether they need an update, and what each is running — live from the `runners` topic. Operators drain and
 * undrain a runner here (docs/runners.md "Draining a runner"); admins remove one (docs/security.md "Revocation,
 * expiry and audit").
 */
export class FloeRunnersPage extends LitElement {
  static override styles = sharedStyles;
  static override properties = { problem: { state: true } };
  declare problem: string | undefined;
  private readonly services = new ContextConsumer(this, { context: servicesContext, subscribe: true });
  private readonly runners = new LiveTask(this, {
    args: () => (this.services.value ? ([this.services.value] as const) : undefined),
    task: ([services]) => services.client.runners(),
    live: ([services], update) =>
      services.live.subscribe({ topic: 'runners' }, (message) => {
        if (message.type === 'runners') update(() => message.runners);
      }),
  });

  private async removeRunner(runner: RunnerView) {
    const runs = runner.runs.length;
    const warning = runs > 0 ? ` Its ${runs} active run${runs === 1 ? '' : 's'} will end lost (or be re-queued).` : '';
    if (!confirm(`Remove the runner ${runner.name}? Its credential stops working at once.${warning}`)) return;
    try {
      await this.services.value?.client.deleteRunner(runner.name);
      this.problem = undefined;
      this.runners.rerun();
    } catch (err) {
      this.problem = err instanceof Error ? err.message : String(err);
    }
  }

  private async setDrained(runner: RunnerView, drained: boolean) {
    const client = this.services.value?.client;
    try {
      await (drained ? client?.drainRunner(runner.name) : client?.undrainRunner(runner.name));
      this.problem = undefined;
      this.runners.rerun();
    } catch (err) {
      this.problem = err instanceof Error ? err.message : String(err);
    }
  }

  override render() {
    const admin = may(this.services.value, 'admin');
    const operator = may(this.services.value, 'operator');
    return html`<h1>Runners</h1>
      ${this.problem ? html`<p class="s-bad" role="alert">${this.problem}</p>` : nothing}
      ${this.runners.render({
        pending: () => html`<floe-spinner label="Loading runners…"></floe-spinner>`,
        error: (error) =>
          html`<floe-error-box .error=${error} retryable @floe-retry=${() => this.runners.rerun()}></floe-error-box>`,
        complete: (runners: RunnerView[]) =>
          runners.length === 0
            ? html`<p class="muted">No runners yet. Start one with <code>floe runner start --hub URL --token T</code>.</p>`
            : html`<div class="scroll-x"><table>
                <thead><tr><th>Name</th><th>Tags</th><th>Slots</th><th>Connected</th><th>Sandbox</th><th>Version</th><th>Running</th>${operator ? html`<th></th>` : nothing}</tr></thead>
                <tbody>
                  ${runners.map(
                    (runner) => html`<tr data-runner=${runner.name}>
                      <td><strong>${runner.name}</strong></td>
                      <td class="row">${runner.tags.map((tag) => html`<span class="badge muted">${tag}</span>`)}</td>
                      <td>${runner.runs.length}/${runner.slots}</td>
                      <td class=${runner.connected ? 's-good' : 's-cancelled'} data-testid="connected">
                        ${runner.connected ? 'connected' : `not connected${runner.lastSeenAt ? ` (last seen ${formatTime(runner.lastSeenAt)})` : ''}`}
                        ${
                          runner.drained
                            ? html`<br /><span class="badge s-cancelled" data-testid="drained" title="offered no run until undrained; it finishes what it holds">drained</span>`
                            : nothing
                        }
                      </td>
                      <td
                        class=${runner.sandboxed ? 's-good' : 's-bad'}
                        data-testid="sandbox"
                        title=${runner.sandboxed ? 'tasks run in a sandbox as an unprivileged user' : (runner.sandboxReason ?? '')}
                      >
                        ${runner.sandboxed ? 'sandboxed' : html`not sandboxed: no untrusted runs${runner.sandboxReason ? html`<br /><span class="muted">${runner.sandboxReason}</span>` : ''}`}
                      </td>
                      <td data-testid="version">
                        ${runner.version ?? html`<span class="muted">unknown</span>`}${runner.protocol !== undefined ? html` <span class="muted">(protocol ${runner.protocol})</span>` : nothing}
                        ${runner.update ? html`<br /><span class="badge s-bad" data-testid="update" title=${runner.update}>needs an update</span>` : nothing}
                      </td>
                      <td>
                        ${
                          runner.runs.length === 0
                            ? html`<span class="muted">idle</span>`
                            : runner.runs.map(
                                (run) =>
                                  html`<a href=${runPath(run.id)}>${run.flowId ?? 'run'} #${run.number ?? run.id}</a> `,
                              )
                        }
                      </td>
                      ${
                        operator
                          ? html`<td class="row">
                              <button @click=${() => this.setDrained(runner, !runner.drained)}>${runner.drained ? 'Undrain' : 'Drain'}</button>
                              ${admin ? html`<button @click=${() => this.removeRunner(runner)}>Remove</button>` : nothing}
                            </td>`
                          : nothing
                      }
                    </tr>`,
                  )}
                </tbody>
              </table></div>`,
      })}`;
  }
}

customElements.define('floe-runners-page', FloeRunnersPage);
declare global {
  interface HTMLElementTagNameMap {
    'floe-runners-page': FloeRunnersPage;
  }
}
