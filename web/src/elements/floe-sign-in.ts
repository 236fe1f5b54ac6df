import { css, html, LitElement } from 'lit';
import { sharedStyles } from '../shared-styles.js';
import './floe-error-box.js';
import './floe-spinner.js';

/**
 * Sign in with an API token (docs/api.md "Auth"); the app checks it and keeps it.
 * @fires floe-sign-in - `detail: {token}`
 */
export class FloeSignIn extends LitElement {
  static override properties = { busy: { type: Boolean }, error: { attribute: false } };
  static override styles = [
    sharedStyles,
    css`
      :host {
        max-width: 28rem;
        margin: 3rem auto;
        padding: 0 1rem;
      }
      form {
        display: grid;
        gap: 0.8rem;
      }
      label {
        display: grid;
        gap: 0.3rem;
      }
    `,
  ];
  declare busy: boolean;
  declare error: unknown;

  constructor() {
    super();
    this.busy = false;
  }

  override render() {
    return html`<form class="card" @submit=${this.onSubmit}>
      <h1>Sign in to floe</h1>
      <p class="muted">
        Paste an API token. The hub prints the admin token when it starts; admins make others with
        <code>POST /api/tokens</code>.
      </p>
      <label>
        <span>API token</span>
        <input name="token" type="password" autocomplete="current-password" required placeholder="floe_…" autofocus />
      </label>
      <div class="row">
        <button class="primary" type="submit" ?disabled=${this.busy}>Sign in</button>
        ${this.busy ? html`<floe-spinner label="Checking the token…"></floe-spinner>` : null}
      </div>
      <floe-error-box .error=${this.error}></floe-error-box>
    </form>`;
  }

  private onSubmit(event: Event) {
    event.preventDefault();
    const input = this.renderRoot.querySelector('input') as HTMLInputElement;
    const token = input.value.trim();
    if (token === '') return;
    this.dispatchEvent(new CustomEvent('floe-sign-in', { detail: { token }, bubbles: true, composed: true }));
  }
}

customElements.define('floe-sign-in', FloeSignIn);
declare global {
  interface HTMLElementTagNameMap {
    'floe-sign-in': FloeSignIn;
  }
}
