import type { NodeView, RunEventView } from '@floe/shared';
import { css, html, LitElement } from 'lit';
import { formatElapsed, formatTime } from '../format.js';
import { setStyle } from '../set-style.js';
import { sharedStyles } from '../shared-styles.js';

/** A run's timeline: a bar per node that ran (from start to end, or to now), then the engine's events in order. */
export class FloeRunTimeline extends LitElement {
  static override properties = {
    nodes: { attribute: false },
    events: { attribute: false },
    startedAt: { type: Number },
  };
  static override styles = [
    sharedStyles,
    css`
      .bars {
        display: grid;
        grid-template-columns: minmax(6rem, 12rem) 1fr auto;
        gap: 0.25rem 0.6rem;
        align-items: center;
        font-size: 0.85rem;
      }
      .track {
        position: relative;
        height: 0.8rem;
        background: var(--floe-bg-alt);
        border-radius: 4px;
      }
      .bar {
        position: absolute;
        top: 0;
        bottom: 0;
        border-radius: 4px;
        background: currentColor;
        min-width: 3px;
      }
      ol {
        margin: 0.6rem 0 0;
        padding-left: 1.4rem;
        font-size: 0.85rem;
      }
      details summary {
        cursor: pointer;
        margin-top: 0.6rem;
      }
    `,
  ];
  declare nodes: NodeView[];
  declare events: RunEventView[];
  declare startedAt: number | undefined;
  /** The time bars of running nodes reach; default the time of rendering. */
  declare now: number | undefined;

  constructor() {
    super();
    this.nodes = [];
    this.events = [];
  }

  override render() {
    const ran = this.nodes.filter((node) => node.startedAt !== undefined);
    const now = this.now ?? Date.now();
    const start = this.startedAt ?? Math.min(...ran.map((node) => node.startedAt as number), now);
    const end = Math.max(now - 1, ...ran.map((node) => node.endedAt ?? now), start + 1);
    const span = end - start;
    return html`${
      ran.length === 0
        ? html`<p class="muted">No node has started yet.</p>`
        : html`<div class="bars">
            ${ran.map((node) => {
              const from = ((node.startedAt as number) - start) / span;
              const to = ((node.endedAt ?? now) - start) / span;
              return html`<span>${node.name ?? node.id}</span>
                <span class="track s-${node.state}" title="${formatTime(node.startedAt)} – ${formatTime(node.endedAt)}">
                  <span class="bar" ${setStyle({ left: `${(from * 100).toFixed(2)}%`, width: `${((to - from) * 100).toFixed(2)}%` })}></span>
                </span>
                <span class="muted">${formatElapsed(node.startedAt, node.endedAt ?? now)}</span>`;
            })}
          </div>`
    }
      <details>
        <summary>Events (${this.events.length})</summary>
        <ol>
          ${this.events.map(
            (event) => html`<li value=${event.seq}>
              <span class="muted">${formatTime(event.at)}</span>
              <span class="mono ${event.good ? 's-good' : 's-bad'}">${event.tag}</span>
              <span class="muted">from ${event.source}${event.replayed ? ' (replayed)' : ''}</span>
            </li>`,
          )}
        </ol>
      </details>`;
  }
}

customElements.define('floe-run-timeline', FloeRunTimeline);
declare global {
  interface HTMLElementTagNameMap {
    'floe-run-timeline': FloeRunTimeline;
  }
}
