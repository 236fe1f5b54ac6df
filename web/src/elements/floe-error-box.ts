import { css, html, LitElement } from 'lit';
import { errorText } from '../format.js';
import { sharedStyles } from '../shared-styles.js';

/**
 * An error from the API, shown rather than swallowed: its code and message, and a retry button when asked.
 * @fires floe-retry - the person asked to try again
 */
export class FloeErrorBox extends LitElement {
  static override properties = { error: { attribute: false }, retryable: { type: Boolean } };
  static override styles = [
    sharedStyles,
    css`
      .box {
        border: 1px solid var(--floe-bad);
        border-radius: 8px;
        padding: 0.6rem 0.8rem;
        color: var(--floe-fg);
        background: color-mix(in srgb, var(--floe-bad) 8%, transparent);
      }
      code {
        color: var(--floe-bad);
        margin-right: 0.5rem;
      }
    `,
  ];
  declare error: unknown;
  declare retryable: boolean;

  constructor() {
    super();
    this.retryable = false;
  }

  override render() {
    if (this.error === undefined || this.error === null) return null;
    const { code, message } = errorText(this.error);
    return html`<div class="box row" role="alert">
      <span>${code ? html`<code>${code}</code>` : null}${message}</span>
      ${
        this.retryable
          ? html`<button @click=${() => this.dispatchEvent(new Event('floe-retry', { bubbles: true, composed: true }))}>
            Try again
          </button>`
          : null
      }
    </div>`;
  }
}

customElements.define('floe-error-box', FloeErrorBox);
declare global {
  interface HTMLElementTagNameMap {
    'floe-error-box': FloeErrorBox;
  }
}
