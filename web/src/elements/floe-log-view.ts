import { type CacheLine, logGroupLine, parseCacheLine } from '@floe/shared';
import { ContextConsumer } from '@lit/context';
import { css, html, LitElement, nothing } from 'lit';
import { type AnsiSegment, type AnsiStyle, parseAnsi } from '../ansi.js';
import { LogFollower } from '../log-follower.js';
import { servicesContext } from '../services.js';
import { setStyle } from '../set-style.js';
import { sharedStyles } from '../shared-styles.js';
import './floe-error-box.js';
import './floe-spinner.js';

/** How each cache outcome looks: a hit or a save good, an error bad, a miss plain. */
const CACHE_LOOK: Record<CacheLine['outcome'], string> = {
  hit: 'good',
  'partial hit': 'good',
  miss: '',
  saved: 'good',
  'not saved': '',
  error: 'bad',
};

/** Every line is this tall, so that only the lines on screen are rendered (100,000-line logs stay fast). */
export const LINE_HEIGHT = 18;
const OVERSCAN = 20;

/**
 * A node's log: ANSI colours, following the end while it grows, searchable, downloadable. Virtualised: only the
 * lines in view are in the DOM. With `runId` and `node` set it follows the live log itself; `feed()` adds a chunk
 * by byte offset (what the follower does for each live message). Groups (`::group::` in a task's output) are
 * folded until clicked; `line` (from 1, as annotations name it) is scrolled to and marked once it has arrived.
 * @csspart scroller - the scrolling box
 */
export class FloeLogView extends LitElement {
  static override properties = {
    runId: { attribute: 'run-id' },
    node: {},
    line: { type: Number },
    offset: { state: true },
    expanded: { state: true },
    viewHeight: { state: true },
    follow: { state: true },
    query: { state: true },
    hitIndex: { state: true },
  };
  static override styles = [
    sharedStyles,
    css`
      .bar,
      .caches {
        margin-bottom: 0.4rem;
      }
      .caches .badge.good {
        background: color-mix(in srgb, #57ab5a 30%, transparent);
      }
      .caches .badge.bad {
        background: color-mix(in srgb, #e5534b 30%, transparent);
      }
      .bar input {
        flex: 1 1 10rem;
        max-width: 20rem;
      }
      .scroller {
        position: relative;
        height: min(60vh, 36rem);
        overflow: auto;
        background: var(--floe-log-bg);
        color: var(--floe-log-fg);
        border-radius: 8px;
        font-family: var(--floe-mono);
        font-size: 12.5px;
        contain: strict;
      }
      .spacer {
        position: relative;
      }
      .lines {
        position: absolute;
        left: 0;
        right: 0;
        top: 0;
        min-width: max-content;
      }
      .line {
        height: ${LINE_HEIGHT}px;
        line-height: ${LINE_HEIGHT}px;
        white-space: pre;
        padding-right: 1rem;
      }
      .line.hit {
        background: color-mix(in srgb, var(--floe-mark) 25%, transparent);
      }
      .line.current,
      .line.target {
        background: color-mix(in srgb, var(--floe-mark) 55%, transparent);
      }
      .fold {
        font: inherit;
        color: inherit;
        background: none;
        border: 0;
        padding: 0;
        cursor: pointer;
        font-weight: 600;
      }
      .no {
        display: inline-block;
        width: 4.5em;
        padding-right: 1em;
        text-align: right;
        color: #6b7385;
        user-select: none;
      }
      .empty {
        padding: 0.6rem;
        color: #8a93a3;
      }
      .b {
        font-weight: 700;
      }
      .d {
        opacity: 0.7;
      }
      .i {
        font-style: italic;
      }
      .u {
        text-decoration: underline;
      }
      .f0 { color: #4d4d4d; } .f1 { color: #e5534b; } .f2 { color: #57ab5a; } .f3 { color: #c69026; }
      .f4 { color: #539bf5; } .f5 { color: #b083f0; } .f6 { color: #39c5cf; } .f7 { color: #d7dbe4; }
      .f8 { color: #768390; } .f9 { color: #ff938a; } .f10 { color: #6bc46d; } .f11 { color: #daaa3f; }
      .f12 { color: #6cb6ff; } .f13 { color: #dcbdfb; } .f14 { color: #56d4dd; } .f15 { color: #ffffff; }
      .k0 { background: #4d4d4d; } .k1 { background: #8b2a25; } .k2 { background: #2b6a30; } .k3 { background: #7a5a12; }
      .k4 { background: #234d8a; } .k5 { background: #5b3c8f; } .k6 { background: #1d6f75; } .k7 { background: #9aa0aa; }
      .k8 { background: #636e7b; } .k9 { background: #c93c37; } .k10 { background: #46954a; } .k11 { background: #ae7c14; }
      .k12 { background: #4184e4; } .k13 { background: #986ee2; } .k14 { background: #2a9fa8; } .k15 { background: #cdd9e5; }
    `,
  ];
  declare runId: string | undefined;
  declare node: string | undefined;
  declare line: number | undefined;
  declare private offset: number;
  /** The start lines of the groups unfolded. */
  declare private expanded: ReadonlySet<number>;
  /** The line revealed for `line` (once: following the log afterwards is the reader's choice). */
  private revealedLine: number | undefined;
  declare private viewHeight: number;
  declare private follow: boolean;
  declare private query: string;
  declare private hitIndex: number;
  private hits: number[] = [];
  /** The task cache's hits, misses and saves (its `cache …` lines), found as the log grows. */
  private caches: CacheLine[] = [];
  private cachesScanned = 0;
  private hitsFor = '';
  private readonly services = new ContextConsumer(this, { context: servicesContext, subscribe: true });
  private readonly follower = new LogFollower(this, () => {
    const services = this.services.value;
    return services && this.runId && this.node ? { services, runId: this.runId, node: this.node } : undefined;
  });
  private resizer: ResizeObserver | undefined;

  constructor() {
    super();
    this.offset = 0;
    this.expanded = new Set();
    this.viewHeight = 600;
    this.follow = true;
    this.query = '';
    this.hitIndex = -1;
  }

  /** The log's lines so far (for tests and the download). */
  get buffer() {
    return this.follower.buffer;
  }

  /** Adds the chunk that starts at byte `offset`; a repeat is trimmed, a gap refused ('gap'). */
  feed(offset: number, text: string) {
    return this.follower.feed(offset, text);
  }

  /** Marks the log complete (the node has finished). */
  finish() {
    this.follower.buffer.complete = true;
    this.requestUpdate();
  }

  override firstUpdated() {
    const scroller = this.scroller;
    this.resizer = new ResizeObserver(() => {
      this.viewHeight = scroller.clientHeight || 600;
    });
    this.resizer.observe(scroller);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.resizer?.disconnect();
  }

  override updated() {
    if (this.follow) {
      const scroller = this.scroller;
      const bottom = scroller.scrollHeight - scroller.clientHeight;
      if (scroller.scrollTop < bottom) scroller.scrollTop = bottom;
    }
  }

  private get scroller(): HTMLElement {
    return this.renderRoot.querySelector('.scroller') as HTMLElement;
  }

  /**
   * The buffer's lines shown, in order, when groups hide some (a folded group's lines, every group's end line);
   * undefined: all of them.
   */
  private shownLines(): number[] | undefined {
    const buffer = this.follower.buffer;
    if (buffer.groups.length === 0) return undefined;
    const shown: number[] = [];
    let next = 0;
    for (const group of buffer.groups) {
      for (let i = next; i <= group.start; i++) shown.push(i);
      const end = group.end ?? buffer.lineCount;
      if (this.expanded.has(group.start)) for (let i = group.start + 1; i < end; i++) shown.push(i);
      next = end + 1;
    }
    for (let i = next; i < buffer.lineCount; i++) shown.push(i);
    return shown;
  }

  private toggle(start: number) {
    const expanded = new Set(this.expanded);
    if (!expanded.delete(start)) expanded.add(start);
    this.expanded = expanded;
  }

  override willUpdate() {
    const target = this.line;
    if (target === undefined || target === this.revealedLine || target > this.follower.buffer.lineCount) return;
    this.revealedLine = target;
    this.reveal(target - 1);
  }

  override render() {
    const buffer = this.follower.buffer;
    if (this.query !== this.hitsFor || buffer.lineCount !== this.hitsCount) this.updateHits();
    const shown = this.shownLines();
    const count = shown ? shown.length : buffer.lineCount;
    const first = Math.max(0, Math.floor(this.offset / LINE_HEIGHT) - OVERSCAN);
    const last = Math.min(count, Math.ceil((this.offset + this.viewHeight) / LINE_HEIGHT) + OVERSCAN);
    const hitSet = new Set(this.hits);
    const current = this.hits[this.hitIndex];
    const target = this.line === undefined ? undefined : this.line - 1;
    const rows = [];
    for (let row = first; row < last; row++) {
      const i = shown ? (shown[row] as number) : row;
      const { text, start } = buffer.line(i);
      const cls = `line${hitSet.has(i) ? ' hit' : ''}${i === current ? ' current' : ''}${i === target ? ' target' : ''}`;
      const group = logGroupLine(text);
      const content =
        group && 'start' in group
          ? html`<button class="fold" aria-expanded=${this.expanded.has(i) ? 'true' : 'false'}
              @click=${() => this.toggle(i)}>${this.expanded.has(i) ? '▾' : '▸'} ${group.start}</button>`
          : renderLine(text, start);
      rows.push(html`<div class=${cls} data-line=${i + 1}><span class="no">${i + 1}</span>${content}</div>`);
    }
    const waiting = this.follower.loading && count === 0;
    this.scanCaches();
    return html`<div class="row bar" role="toolbar" aria-label="Log">
        <input type="search" placeholder="Search the log (/)" aria-label="Search the log" .value=${this.query}
          @input=${(e: Event) => this.setQuery((e.target as HTMLInputElement).value)}
          @keydown=${this.onSearchKey} />
        <span class="muted hits" aria-live="polite">${this.query ? `${this.hits.length === 0 ? 0 : this.hitIndex + 1}/${this.hits.length}` : ''}</span>
        <button @click=${() => this.step(-1)} ?disabled=${this.hits.length === 0} aria-label="Previous match">↑</button>
        <button @click=${() => this.step(1)} ?disabled=${this.hits.length === 0} aria-label="Next match">↓</button>
        <button @click=${() => this.setFollow(!this.follow)} aria-pressed=${this.follow ? 'true' : 'false'}>Follow</button>
        <button @click=${this.download}>Download</button>
        <span class="muted status">${buffer.complete ? `${buffer.lineCount} lines, complete` : html`${buffer.lineCount} lines, live`}</span>
        ${waiting ? html`<floe-spinner label="Waiting for output…"></floe-spinner>` : nothing}
      </div>
      ${
        this.caches.length > 0
          ? html`<div class="row caches" data-testid="cache" aria-label="Cache">
              ${this.caches.map(
                (line) =>
                  html`<span class="badge ${CACHE_LOOK[line.outcome]}" title=${line.detail ?? ''}>cache ${line.outcome}</span>
                    <span class="mono muted">${line.key}</span>`,
              )}
            </div>`
          : nothing
      }
      <floe-error-box .error=${this.follower.error}></floe-error-box>
      <div class="scroller" part="scroller" tabindex="0" aria-label="Log lines" @scroll=${this.onScroll}
        ${setStyle({ height: `min(60vh, 36rem, ${(Math.max(count, 4) + 1) * LINE_HEIGHT}px)` })}
        @keydown=${this.onKey}>
        <div class="spacer" ${setStyle({ height: `${count * LINE_HEIGHT}px` })}>
          <div class="lines" ${setStyle({ transform: `translateY(${first * LINE_HEIGHT}px)` })}>${rows}</div>
        </div>
        ${count === 0 && !waiting ? html`<div class="empty">${buffer.complete ? 'No output.' : 'No output yet.'}</div>` : nothing}
      </div>`;
  }

  private hitsCount = 0;

  /** Reads the lines not read yet for cache lines (docs/floe-yaml.md "cache"): once each, however long the log. */
  private scanCaches() {
    const lines = this.follower.buffer.lines;
    if (lines.length < this.cachesScanned) {
      this.caches = [];
      this.cachesScanned = 0;
    }
    for (; this.cachesScanned < lines.length; this.cachesScanned++) {
      const text = lines[this.cachesScanned] as string;
      if (!text.startsWith('cache ')) continue;
      const line = parseCacheLine(text);
      if (line) this.caches = [...this.caches, line];
    }
  }

  private updateHits() {
    this.hits = this.follower.buffer.search(this.query);
    this.hitsFor = this.query;
    this.hitsCount = this.follower.buffer.lineCount;
    if (this.hitIndex >= this.hits.length) this.hitIndex = this.hits.length - 1;
  }

  private setQuery(query: string) {
    this.query = query;
    this.updateHits();
    this.hitIndex = this.hits.length > 0 ? 0 : -1;
    if (this.hitIndex >= 0) this.reveal(this.hits[0] as number);
  }

  private step(direction: number) {
    if (this.hits.length === 0) return;
    this.hitIndex = (this.hitIndex + direction + this.hits.length) % this.hits.length;
    this.reveal(this.hits[this.hitIndex] as number);
  }

  /** Scrolls line `index` into the middle of the view, unfolding its group, and stops following. */
  private reveal(index: number) {
    this.follow = false;
    const group = this.follower.buffer.groups.find((g) => g.start < index && (g.end === undefined || index < g.end));
    if (group && !this.expanded.has(group.start)) this.expanded = new Set([...this.expanded, group.start]);
    const shown = this.shownLines();
    const row = shown ? Math.max(0, shown.indexOf(index)) : index;
    const top = Math.max(0, row * LINE_HEIGHT - this.viewHeight / 2);
    this.updateComplete.then(() => {
      this.scroller.scrollTop = top;
      this.offset = top;
    });
  }

  private setFollow(follow: boolean) {
    this.follow = follow;
  }

  private readonly onScroll = () => {
    const scroller = this.scroller;
    this.offset = scroller.scrollTop;
    const atBottom = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - LINE_HEIGHT;
    if (atBottom !== this.follow) this.follow = atBottom;
  };

  private onSearchKey(event: KeyboardEvent) {
    if (event.key === 'Enter') {
      event.preventDefault();
      this.step(event.shiftKey ? -1 : 1);
    } else if (event.key === 'Escape') {
      this.setQuery('');
    }
  }

  private onKey(event: KeyboardEvent) {
    if (event.key === '/') {
      event.preventDefault();
      (this.renderRoot.querySelector('input[type=search]') as HTMLInputElement).focus();
    } else if (event.key === 'End') {
      this.follow = true;
    }
  }

  private download() {
    const blob = new Blob([this.follower.buffer.plainText()], { type: 'text/plain;charset=utf-8' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = `${this.runId ?? 'run'}-${this.node ?? 'node'}.log`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }
}

function renderLine(text: string, start: AnsiStyle) {
  if (!text.includes('\u001b') && Object.keys(start).length === 0) return text;
  return parseAnsi(text, start).segments.map(renderSegment);
}

function renderSegment(segment: AnsiSegment) {
  const s = segment.style;
  if (Object.keys(s).length === 0) return segment.text;
  const [fg, bg] = s.inverse ? [s.bg ?? 0, s.fg ?? 7] : [s.fg, s.bg];
  const classes = [s.bold ? 'b' : '', s.dim ? 'd' : '', s.italic ? 'i' : '', s.underline ? 'u' : ''];
  const style: Record<string, string> = {};
  if (typeof fg === 'number') classes.push(`f${fg}`);
  else if (fg !== undefined) style.color = fg;
  if (typeof bg === 'number') classes.push(`k${bg}`);
  else if (bg !== undefined) style.background = bg;
  return html`<span class=${classes.filter(Boolean).join(' ')} ${setStyle(style)}>${segment.text}</span>`;
}

customElements.define('floe-log-view', FloeLogView);
declare global {
  interface HTMLElementTagNameMap {
    'floe-log-view': FloeLogView;
  }
}
