import type { Role, TokenInfo } from '@floe/shared';
import { ContextConsumer } from '@lit/context';
import { html, LitElement, nothing } from 'lit';
import { formatTime } from '../format.js';
import { LiveTask } from '../live-task.js';
import { servicesContext } from '../services.js';
import { sharedStyles } from '../shared-styles.js';
import './floe-error-box.js';
import './floe-spinner.js';

/** Asks the app to sign in again with this token (after the signed-in admin token was rotated). */
export const USE_TOKEN_EVENT = 'floe-use-token';

/**
 * API tokens, for admins (docs/security.md "Revocation, expiry and audit"): name, role, made, expiry and last use —
 * never a secret, the hub keeps none. Admins make tokens (shown once), remove them, and rotate the admin token; a
 * rotation done while signed in as `admin` signs the dashboard in with the new token at once.
 */
export class FloeTokensPage extends LitElement {
  static override styles = sharedStyles;
  static override properties = { problem: { state: true }, made: { state: true } };
  private readonly services = new ContextConsumer(this, { context: servicesContext, subscribe: true });
  private readonly tokens = new LiveTask(this, {
    args: () => (this.services.value ? ([this.services.value] as const) : undefined),
    task: ([services]) => services.client.tokens(),
  });
  declare problem: string | undefined;
  /** A token just made or rotated: shown once, here. */
  declare made: { what: string; token: string } | undefined;

  private async create(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const name = String(data.get('name') ?? '').trim();
    const role = String(data.get('role') ?? 'viewer') as Role;
    const days = Number(data.get('days') ?? '');
    try {
      const { token } = (await this.services.value?.client.createToken({
        name,
        role,
        ...(days > 0 ? { expiresAt: Date.now() + days * 86_400_000 } : {}),
      })) ?? { token: '' };
      this.made = { what: `The token ${name} (${role})`, token };
      this.problem = undefined;
      form.reset();
      this.tokens.rerun();
    } catch (err) {
      this.problem = err instanceof Error ? err.message : String(err);
    }
  }

  private async removeToken(token: TokenInfo) {
    if (!confirm(`Remove the token ${token.name}? Whoever holds it is refused from now on.`)) return;
    try {
      await this.services.value?.client.deleteToken(token.name);
      this.tokens.rerun();
    } catch (err) {
      this.problem = err instanceof Error ? err.message : String(err);
    }
  }

  private async rotate(event: SubmitEvent) {
    event.preventDefault();
    const services = this.services.value;
    if (!services) return;
    const minutes = Number(new FormData(event.target as HTMLFormElement).get('grace') ?? 0);
    if (!confirm('Replace the admin token? The current one stops working once the grace is over.')) return;
    try {
      const { token } = await services.client.rotateAdminToken({ graceSeconds: Math.round(minutes * 60) });
      this.made = { what: 'The new admin token', token };
      this.problem = undefined;
      if (services.me.name === 'admin') {
        this.dispatchEvent(new CustomEvent(USE_TOKEN_EVENT, { detail: { token }, bubbles: true, composed: true }));
      } else {
        this.tokens.rerun();
      }
    } catch (err) {
      this.problem = err instanceof Error ? err.message : String(err);
    }
  }

  override render() {
    return html`<h1>API tokens</h1>
      <p class="muted">Tokens are shown once, when made; the hub keeps only a hash. A removed or expired token is refused
        at once.</p>
      <form @submit=${this.create} class="row" aria-label="Make a token">
        <label>Name <input name="name" required maxlength="100" autocomplete="off" /></label>
        <label>Role <select name="role">
          <option value="viewer">viewer</option>
          <option value="operator">operator</option>
          <option value="admin">admin</option>
        </select></label>
        <label>Expires after (days) <input name="days" type="number" min="1" placeholder="never" /></label>
        <button type="submit">Make token</button>
      </form>
      ${
        this.made
          ? html`<p role="status" data-testid="made">${this.made.what}, shown this once:
              <code data-testid="secret">${this.made.token}</code></p>`
          : nothing
      }
      ${this.problem ? html`<p class="s-bad" role="alert">${this.problem}</p>` : nothing}
      ${this.tokens.render({
        pending: () => html`<floe-spinner label="Loading tokens…"></floe-spinner>`,
        error: (error) =>
          html`<floe-error-box .error=${error} retryable @floe-retry=${() => this.tokens.rerun()}></floe-error-box>`,
        complete: (tokens: TokenInfo[]) =>
          tokens.length === 0
            ? html`<p class="muted">No tokens yet besides the admin token.</p>`
            : html`<div class="scroll-x"><table>
                <thead><tr><th>Name</th><th>Role</th><th>Made</th><th>Expires</th><th>Last used</th><th></th></tr></thead>
                <tbody>
                  ${tokens.map(
                    (token) => html`<tr data-token=${token.name}>
                      <td><strong>${token.name}</strong></td>
                      <td><span class="badge muted">${token.role}</span></td>
                      <td>${formatTime(token.createdAt)}</td>
                      <td>${token.expiresAt === undefined ? html`<span class="muted">never</span>` : formatTime(token.expiresAt)}</td>
                      <td>${token.lastUsedAt === undefined ? html`<span class="muted">never</span>` : formatTime(token.lastUsedAt)}</td>
                      <td>${token.name === 'admin' ? nothing : html`<button @click=${() => this.removeToken(token)}>Remove</button>`}</td>
                    </tr>`,
                  )}
                </tbody>
              </table></div>`,
      })}
      <h2>Admin token</h2>
      <form @submit=${this.rotate} class="row" aria-label="Rotate the admin token">
        <label>The current one keeps working for (minutes)
          <input name="grace" type="number" min="0" max="10080" value="10" /></label>
        <button type="submit">Rotate admin token</button>
      </form>`;
  }
}

customElements.define('floe-tokens-page', FloeTokensPage);
declare global {
  interface HTMLElementTagNameMap {
    'floe-tokens-page': FloeTokensPage;
  }
}
