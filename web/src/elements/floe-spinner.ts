import { css, html, LitElement } from 'lit';

/**
 * A long wait made visible: a spinning ring and what we are waiting for.
 * @attr label - what is loading ("Loading runs…")
 */
export class FloeSpinner extends LitElement {
  static override properties = { label: {} };
  static override styles = css`
    :host {
      display: inline-flex;
      gap: 0.5rem;
      align-items: center;
      color: var(--floe-muted);
      padding: 0.5rem 0;
    }
    .ring {
      width: 1rem;
      height: 1rem;
      border: 2px solid var(--floe-border);
      border-top-color: var(--floe-accent);
      border-radius: 50%;
      animation: spin 0.8s linear infinite;
    }
    @keyframes spin {
      to {
        transform: rotate(360deg);
      }
    }
    @media (prefers-reduced-motion: reduce) {
      .ring {
        animation-duration: 3s;
      }
    }
  `;
  declare label: string;

  constructor() {
    super();
    this.label = 'Loading…';
  }

  override render() {
    return html`<span class="ring" aria-hidden="true"></span><span role="status">${this.label}</span>`;
  }
}

customElements.define('floe-spinner', FloeSpinner);
declare global {
  interface HTMLElementTagNameMap {
    'floe-spinner': FloeSpinner;
  }
}
