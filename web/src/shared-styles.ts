// Styles every page shares: controls, tables, state colours. Colours come from the palette in palette.css.
import { css } from 'lit';

export const sharedStyles = css`
  :host {
    display: block;
    box-sizing: border-box;
  }
  .scroll-x {
    overflow-x: auto;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  a {
    color: var(--floe-accent);
  }
  a:focus-visible,
  button:focus-visible,
  input:focus-visible,
  select:focus-visible,
  [tabindex]:focus-visible {
    outline: 2px solid var(--floe-accent);
    outline-offset: 2px;
  }
  button {
    font: inherit;
    padding: 0.35rem 0.8rem;
    border-radius: 6px;
    border: 1px solid var(--floe-border);
    background: var(--floe-bg-alt);
    color: var(--floe-fg);
    cursor: pointer;
    min-height: 2rem;
  }
  button.primary {
    background: var(--floe-accent);
    border-color: var(--floe-accent);
    color: var(--floe-accent-fg);
  }
  button.danger {
    border-color: var(--floe-bad);
    color: var(--floe-bad);
  }
  button:disabled {
    opacity: 0.55;
    cursor: default;
  }
  input,
  select {
    font: inherit;
    padding: 0.3rem 0.5rem;
    border-radius: 6px;
    border: 1px solid var(--floe-border);
    background: var(--floe-bg);
    color: var(--floe-fg);
    min-height: 2rem;
  }
  h1,
  h2,
  h3 {
    margin: 0 0 0.6rem;
    font-weight: 600;
  }
  h1 {
    font-size: 1.3rem;
  }
  h2 {
    font-size: 1.1rem;
  }
  h3 {
    font-size: 1rem;
  }
  .muted {
    color: var(--floe-muted);
  }
  .mono {
    font-family: var(--floe-mono);
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
  }
  .card {
    border: 1px solid var(--floe-border);
    border-radius: 8px;
    padding: 0.8rem 1rem;
    background: var(--floe-bg);
  }
  .badge {
    display: inline-block;
    padding: 0.05rem 0.5rem;
    border-radius: 999px;
    font-size: 0.8rem;
    border: 1px solid currentColor;
    white-space: nowrap;
  }
  .s-good {
    color: var(--floe-good);
  }
  .s-bad {
    color: var(--floe-bad);
  }
  .s-error {
    color: var(--floe-error);
  }
  .s-running,
  .s-active {
    color: var(--floe-running);
  }
  .s-awaiting-input,
  .s-pending {
    color: var(--floe-input);
  }
  .s-waiting,
  .s-skipped {
    color: var(--floe-waiting);
  }
  .s-cancelled {
    color: var(--floe-cancelled);
  }
  .untrusted {
    color: var(--floe-input);
    border-style: dashed;
  }
  table {
    border-collapse: collapse;
    width: 100%;
  }
  th,
  td {
    text-align: left;
    padding: 0.4rem 0.5rem;
    border-bottom: 1px solid var(--floe-border);
    vertical-align: top;
  }
  th {
    font-weight: 600;
    font-size: 0.85rem;
    color: var(--floe-muted);
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
  }
`;
