import type { NodeView, RunEventView } from '@floe/shared';
import { css, html, LitElement } from 'lit';
import { formatElapsed, formatTime } from '../format.js';
import { setStyle } from '../set-style.js';
import { sharedStyles } from '../shared-styles.js';

/**
 * A run's timeline: a bar per node that ran (from start to end, or to now), then the engine's events in order. A
 * matrix task's bar spans its combinations; a button under its name shows their own bars beneath it (and hides
 * them again).
 */
export class FloeRunTimeline extends LitElement {
  static override properties = {
    nodes: { attribute: false },
    events: { attribute: false },
    startedAt: { type: Number },
    expanded: { state: true },
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
      .combination {
        padding-left: 1.2rem;
      }
      button.toggle {
        font: inherit;
        background: none;
        border: none;
        padding: 0;
        color: inherit;
        cursor: pointer;
        text-align: left;
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
  /** The matrix tasks whose combinations have bars of their own; none at first. */
  declare expanded: ReadonlySet<string>;

  constructor() {
    super();
    this.nodes = [];
    this.events = [];
    this.expanded = new Set();
  }

  private toggle(id: string) {
    const next = new Set(this.expanded);
    if (!next.delete(id)) next.add(id);
    this.expanded = next;
  }

  override render() {
    const ran = this.nodes.filter((node) => node.startedAt !== undefined);
    const counts = new Map<string, number>();
    for (const node of this.nodes) {
      if (node.combination) counts.set(node.combination.of, (counts.get(node.combination.of) ?? 0) + 1);
    }
    // The hub lists combinations right after their matrix task (node-views.ts), so a row follows its group.
    const shown = ran.filter((node) => !node.combination || this.expanded.has(node.combination.of));
    const now = this.now ?? Date.now();
    const start = this.startedAt ?? Math.min(...ran.map((node) => node.startedAt as number), now);
    const end = Math.max(now - 1, ...ran.map((node) => node.endedAt ?? now), start + 1);
    const span = end - start;
    return html`${
      ran.length === 0
        ? html`<p class="muted">No node has started yet.</p>`
        : html`<div class="bars">
            ${shown.map((node) => {
              const from = ((node.startedAt as number) - start) / span;
              const to = ((node.endedAt ?? now) - start) / span;
              const count = counts.get(node.id);
              const open = this.expanded.has(node.id);
              const name =
                count === undefined
                  ? html`<span class=${node.combination ? 'combination' : ''} data-row=${node.id}>${node.name ?? node.id}</span>`
                  : html`<button class="toggle" data-row=${node.id} aria-expanded=${open ? 'true' : 'false'}
                      @click=${() => this.toggle(node.id)}>${open ? '▾' : '▸'} ${node.name ?? node.id} (${count})</button>`;
              return html`${name}
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
