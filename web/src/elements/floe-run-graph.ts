import { type NodeView, TRIGGER_NODE } from '@floe/shared';
import { css, html, LitElement, nothing, svg } from 'lit';
import { type GraphLayout, layoutGraph } from '../graph-layout.js';
import { sharedStyles } from '../shared-styles.js';

/**
 * A run's nodes laid out by their event edges (dagre), coloured by state. Nodes are focusable buttons. A matrix
 * task is one box counting its combinations' states, with a button that shows them as nodes of their own (and
 * hides them again); a listener of one combination hangs off the box while they are hidden.
 * @fires floe-select-node - `detail: {node}`, a node was chosen (click, Enter or Space)
 */
export class FloeRunGraph extends LitElement {
  static override properties = { nodes: { attribute: false }, selected: {}, expanded: { state: true } };
  static override styles = [
    sharedStyles,
    css`
      .frame {
        overflow: auto;
        border: 1px solid var(--floe-border);
        border-radius: 8px;
        background: var(--floe-bg-alt);
        max-height: 70vh;
      }
      svg {
        display: block;
        font-family: var(--floe-font);
        font-size: 12px;
      }
      .edge {
        fill: none;
        stroke: var(--floe-muted);
        stroke-width: 1.5;
      }
      .edge.on-matrix {
        stroke-dasharray: 2 3;
      }
      .toggle {
        cursor: pointer;
        outline: none;
      }
      .toggle rect {
        fill: var(--floe-bg-alt);
        stroke: var(--floe-muted);
      }
      .toggle:focus-visible rect {
        stroke: var(--floe-accent);
        stroke-width: 3;
      }
      .toggle text {
        fill: var(--floe-fg);
      }
      .edge.on-bad,
      .edge.on-error {
        stroke: var(--floe-bad);
        stroke-dasharray: 5 4;
      }
      .node {
        cursor: pointer;
        outline: none;
      }
      .node rect {
        fill: var(--floe-bg);
        stroke: currentColor;
        stroke-width: 2;
      }
      .node.selected rect {
        stroke-width: 4;
      }
      .node:focus-visible rect {
        stroke: var(--floe-accent);
        stroke-width: 4;
      }
      .node.s-running rect {
        fill: color-mix(in srgb, var(--floe-running) 14%, var(--floe-bg));
      }
      .node.s-good rect {
        fill: color-mix(in srgb, var(--floe-good) 12%, var(--floe-bg));
      }
      .node.s-bad rect,
      .node.s-error rect {
        fill: color-mix(in srgb, var(--floe-bad) 12%, var(--floe-bg));
      }
      .node.s-awaiting-input rect {
        fill: color-mix(in srgb, var(--floe-input) 14%, var(--floe-bg));
      }
      .node.s-skipped rect {
        stroke-dasharray: 4 3;
      }
      .name {
        fill: var(--floe-fg);
        font-weight: 600;
      }
      .state {
        fill: currentColor;
      }
      .trigger rect {
        fill: var(--floe-bg-alt);
        stroke: var(--floe-muted);
      }
      .trigger text {
        fill: var(--floe-muted);
      }
    `,
  ];
  declare nodes: NodeView[];
  declare selected: string | undefined;
  /** The matrix tasks whose combinations are shown; none at first. */
  declare expanded: ReadonlySet<string>;
  private layout: GraphLayout | undefined;
  private layoutKey = '';
  /** Each matrix task's combinations, in order. */
  private combinations = new Map<string, NodeView[]>();

  constructor() {
    super();
    this.nodes = [];
    this.expanded = new Set();
  }

  override willUpdate() {
    this.combinations = new Map();
    for (const node of this.nodes) {
      if (!node.combination) continue;
      const list = this.combinations.get(node.combination.of);
      if (list) list.push(node);
      else this.combinations.set(node.combination.of, [node]);
    }
    const collapsed = new Set([...this.combinations.keys()].filter((id) => !this.expanded.has(id)));
    // Live updates change states, rarely the shape: lay out again only when nodes, edges or groups change.
    const key = JSON.stringify([
      this.nodes.map((node) => [node.id, node.type, node.listen, node.wait, node.combination?.of]),
      [...collapsed],
    ]);
    if (key !== this.layoutKey) {
      this.layoutKey = key;
      this.layout = layoutGraph(this.nodes, collapsed);
    }
  }

  override render() {
    const layout = this.layout;
    if (layout === undefined || this.nodes.length === 0) return html`<p class="muted">This flow has no nodes.</p>`;
    const byId = new Map(this.nodes.map((node) => [node.id, node]));
    return html`<div class="frame">
      <svg width=${layout.width} height=${layout.height} viewBox="0 0 ${layout.width} ${layout.height}" role="group"
        aria-label="Run graph">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
            <path d="M0,0 L10,5 L0,10 z" fill="var(--floe-muted)"></path>
          </marker>
        </defs>
        ${layout.edges.map(
          (edge) =>
            svg`<path class="edge on-${edge.on}" data-from=${edge.from} data-to=${edge.to} marker-end="url(#arrow)"
              d=${pathOf(edge.points)}><title>${edge.from} → ${edge.to} on ${edge.on}</title></path>`,
        )}
        ${layout.nodes.map((placed) => {
          const x = placed.x - placed.width / 2;
          const y = placed.y - placed.height / 2;
          if (placed.id === TRIGGER_NODE) {
            return svg`<g class="trigger" transform="translate(${x},${y})">
              <rect width=${placed.width} height=${placed.height} rx="22"></rect>
              <text x=${placed.width / 2} y=${placed.height / 2 + 4} text-anchor="middle">trigger</text></g>`;
          }
          const node = byId.get(placed.id);
          if (!node) return nothing;
          const combinations = this.combinations.get(node.id);
          const label = truncate(node.name ?? node.id, combinations ? 18 : 22);
          const matrix = combinations ? matrixDetail(combinations) : undefined;
          const detail =
            matrix?.short ??
            `${node.type ?? ''} · ${node.state}${node.exitCode !== undefined && node.state !== 'good' ? ` (${node.exitCode})` : ''}`;
          const open = this.expanded.has(node.id);
          return svg`<g class="node s-${node.state} ${node.id === this.selected ? 'selected' : ''}" data-node=${node.id}
            data-state=${node.state} transform="translate(${x},${y})" tabindex="0" role="button"
            aria-label="${node.name ?? node.id}: ${node.state}" aria-pressed=${node.id === this.selected ? 'true' : 'false'}
            @click=${() => this.select(node.id)} @keydown=${(e: KeyboardEvent) => this.onKey(e, node.id)}>
            <rect width=${placed.width} height=${placed.height} rx=${node.type === 'merge' ? 20 : 6}></rect>
            <text class="name" x="10" y="18">${label}</text>
            <text class="state" x="10" y="34">${detail}</text>
            ${matrix ? svg`<title>${node.name ?? node.id}: ${node.state}; combinations ${matrix.full}</title>` : nothing}
          </g>${
            combinations
              ? svg`<g class="toggle" data-toggle=${node.id} role="button" tabindex="0" aria-expanded=${open ? 'true' : 'false'}
                  aria-label="${open ? 'Hide' : 'Show'} the ${combinations.length} combinations of ${node.name ?? node.id}"
                  transform="translate(${x + placed.width - 28},${y + 6})"
                  @click=${() => this.toggle(node.id)} @keydown=${(e: KeyboardEvent) => this.onToggleKey(e, node.id)}>
                  <rect width="22" height="18" rx="4"></rect>
                  <text x="11" y="13" text-anchor="middle">${open ? '−' : '+'}</text>
                </g>`
              : nothing
          }`;
        })}
      </svg>
    </div>`;
  }

  private toggle(id: string) {
    const next = new Set(this.expanded);
    if (!next.delete(id)) next.add(id);
    this.expanded = next;
  }

  private onToggleKey(event: KeyboardEvent, id: string) {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      this.toggle(id);
    }
  }

  private select(node: string) {
    this.dispatchEvent(new CustomEvent('floe-select-node', { detail: { node }, bubbles: true, composed: true }));
  }

  private onKey(event: KeyboardEvent, node: string) {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      this.select(node);
    }
  }
}

/**
 * How a matrix task's combinations stand: `full` for the tooltip (`1/3 good, 1 bad, 1 running`) and `short` for
 * the box, which holds about 25 characters (`1/3 good · 1 bad`, a failure shown before anything else).
 */
function matrixDetail(combinations: NodeView[]): { full: string; short: string } {
  const counts = new Map<string, number>();
  for (const combination of combinations) counts.set(combination.state, (counts.get(combination.state) ?? 0) + 1);
  const good = `${counts.get('good') ?? 0}/${combinations.length} good`;
  counts.delete('good');
  const rest = [...counts].sort(([a], [b]) => rank(a) - rank(b)).map(([state, count]) => `${count} ${state}`);
  return { full: [good, ...rest].join(', '), short: truncate([good, ...rest.slice(0, 1)].join(' · '), 26) };
}

function rank(state: string): number {
  const order = ['bad', 'error', 'running', 'cancelled', 'waiting', 'skipped'];
  return order.includes(state) ? order.indexOf(state) : order.length;
}

function pathOf(points: Array<{ x: number; y: number }>): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

customElements.define('floe-run-graph', FloeRunGraph);
declare global {
  interface HTMLElementTagNameMap {
    'floe-run-graph': FloeRunGraph;
  }
}
