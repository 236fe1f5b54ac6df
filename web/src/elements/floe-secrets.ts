import type { SecretView } from '@floe/shared';
import { ContextConsumer } from '@lit/context';
import { html, LitElement, nothing } from 'lit';
import { formatTime } from '../format.js';
import { LiveTask } from '../live-task.js';
import { may, servicesContext } from '../services.js';
import { sharedStyles } from '../shared-styles.js';
import './floe-error-box.js';
import './floe-spinner.js';

/**
 * The hub's secrets (DESIGN §8 "Credentials and keys"): names, scope and when each was set — never a value, the
 * hub returns none. Admins set (a password field, cleared once sent) and remove them.
 */
export class FloeSecrets extends LitElement {
  static override styles = sharedStyles;
  static override properties = { problem: { state: true } };
  private readonly services = new ContextConsumer(this, { context: servicesContext, subscribe: true });
  private readonly secrets = new LiveTask(this, {
    args: () => (this.services.value ? ([this.services.value] as const) : undefined),
    task: ([services]) => services.client.secrets(),
  });
  declare problem: string | undefined;

  private async put(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const name = String(data.get('name') ?? '').trim();
    const repo = String(data.get('repo') ?? '').trim();
    const value = String(data.get('value') ?? '');
    try {
      await this.services.value?.client.putSecret(name, { value, ...(repo ? { repo } : {}) });
      this.problem = undefined;
      form.reset();
      this.secrets.rerun();
    } catch (err) {
      this.problem = err instanceof Error ? err.message : String(err);
    }
  }

  private async removeSecret(secret: SecretView) {
    if (!confirm(`Remove the secret ${secret.name}${secret.repo ? ` of ${secret.repo}` : ''}?`)) return;
    try {
      await this.services.value?.client.deleteSecret(secret.name, secret.repo);
      this.secrets.rerun();
    } catch (err) {
      this.problem = err instanceof Error ? err.message : String(err);
    }
  }

  override render() {
    const admin = may(this.services.value, 'admin');
    return html`<h1>Secrets</h1>
      <p class="muted">Tasks read a secret from an <code>env</code> value: <code>{{secret.NAME}}</code>. A repository's
        secret overrides the hub's; runs of a fork's pull request get none; values are masked in logs.</p>
      ${
        admin
          ? html`<form @submit=${this.put} class="row" aria-label="Set a secret">
              <label>Name <input name="name" required pattern="[A-Za-z0-9_.\\-]+" autocomplete="off" /></label>
              <label>Repository <input name="repo" placeholder="(every repository)" autocomplete="off" /></label>
              <label>Value <input name="value" type="password" required minlength="4" autocomplete="new-password" /></label>
              <button type="submit">Set</button>
            </form>`
          : nothing
      }
      ${this.problem ? html`<p class="s-bad" role="alert">${this.problem}</p>` : nothing}
      ${this.secrets.render({
        pending: () => html`<floe-spinner label="Loading secrets…"></floe-spinner>`,
        error: (error) =>
          html`<floe-error-box .error=${error} retryable @floe-retry=${() => this.secrets.rerun()}></floe-error-box>`,
        complete: (secrets: SecretView[]) =>
          secrets.length === 0
            ? html`<p class="muted">No secrets yet. Set one here or with <code>floe secrets set NAME</code>.</p>`
            : html`<div class="scroll-x"><table>
                <thead><tr><th>Name</th><th>Repository</th><th>Set</th>${admin ? html`<th></th>` : nothing}</tr></thead>
                <tbody>
                  ${secrets.map(
                    (secret) => html`<tr data-secret=${secret.name}>
                      <td><code>${secret.name}</code></td>
                      <td>${secret.repo ?? html`<span class="muted">every repository</span>`}</td>
                      <td>${formatTime(secret.updatedAt)}</td>
                      ${admin ? html`<td><button @click=${() => this.removeSecret(secret)}>Remove</button></td>` : nothing}
                    </tr>`,
                  )}
                </tbody>
              </table></div>`,
      })}`;
  }
}

customElements.define('floe-secrets', FloeSecrets);
declare global {
  interface HTMLElementTagNameMap {
    'floe-secrets': FloeSecrets;
  }
}
