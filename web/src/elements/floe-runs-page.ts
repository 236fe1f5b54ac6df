import type { RunListState, RunResult, RunSummary, RunsPage } from '@floe/shared';
import { ContextConsumer } from '@lit/context';
import { css, html, LitElement } from 'lit';
import { LiveTask } from '../live-task.js';
import { navigate, runsPath } from '../router.js';
import { servicesContext } from '../services.js';
import { sharedStyles } from '../shared-styles.js';
import './floe-error-box.js';
import './floe-run-list.js';
import './floe-spinner.js';

const STATES: Array<{ value: RunListState | ''; label: string }> = [
  { value: '', label: 'All' },
  { value: 'pending', label: 'Pending' },
  { value: 'active', label: 'Active' },
  { value: 'archived', label: 'Archived' },
];
const PAGE_SIZE = 50;

/**
 * The runs lists (pending, active, archived) with filters kept in the URL (`?state=&flow=&result=&branch=`),
 * pages by cursor, and live changes from the `runs` topic.
 */
export class FloeRunsPage extends LitElement {
  static override properties = { query: { attribute: false }, cursors: { state: true } };
  static override styles = [
    sharedStyles,
    css`
      .tabs {
        display: flex;
        gap: 0.2rem;
        border-bottom: 1px solid var(--floe-border);
        margin-bottom: 0.8rem;
        overflow-x: auto;
      }
      .tabs a {
        padding: 0.4rem 0.8rem;
        text-decoration: none;
        color: var(--floe-fg);
        border-bottom: 2px solid transparent;
      }
      .tabs a[aria-current='page'] {
        border-bottom-color: var(--floe-accent);
        font-weight: 600;
      }
      form {
        margin-bottom: 0.8rem;
      }
      label {
        display: inline-flex;
        gap: 0.3rem;
        align-items: center;
      }
      .pager {
        margin-top: 0.8rem;
      }
    `,
  ];
  declare query: URLSearchParams;
  /** The cursors of the pages before this one and of this one ('' is the first page). */
  declare private cursors: string[];
  private readonly services = new ContextConsumer(this, { context: servicesContext, subscribe: true });
  private painted = false;

  private readonly runs = new LiveTask(this, {
    args: () => {
      const services = this.services.value;
      if (!services) return undefined;
      return [
        services,
        this.filter('state'),
        this.filter('flow'),
        this.filter('branch'),
        this.filter('result'),
        this.cursors.at(-1),
      ] as const;
    },
    task: ([services, state, flow, branch, result, cursor]) =>
      services.client.runs({
        limit: PAGE_SIZE,
        ...(state ? { state: state as RunListState } : {}),
        ...(flow ? { flow } : {}),
        ...(branch ? { ref: refOf(branch) } : {}),
        ...(result ? { result: result as RunResult } : {}),
        ...(cursor ? { cursor } : {}),
      }),
    live: ([services, state, flow, branch, result, cursor], update) =>
      services.live.subscribe(
        { topic: 'runs', ...(state ? { state: state as RunListState } : {}), ...(flow ? { flow } : {}) },
        (message) => {
          if (message.type !== 'run-changed') return;
          const fits = (run: RunSummary) =>
            (state === '' || run.state === state) &&
            (result === '' || run.result === result) &&
            (branch === '' || run.ref === refOf(branch));
          update((page) => page && mergeRun(page, message.run, cursor === '', fits));
        },
      ),
  });

  constructor() {
    super();
    this.query = new URLSearchParams();
    this.cursors = [''];
  }

  private filter(name: string): string {
    return this.query.get(name) ?? '';
  }

  override willUpdate(changed: Map<PropertyKey, unknown>) {
    if (changed.has('query')) this.cursors = [''];
  }

  override updated() {
    // The first paint of a filled list, for the browser test's benchmark (issue 5 budget).
    if (!this.painted && this.runs.value !== undefined) {
      this.painted = true;
      performance.mark('floe-runs-painted');
    }
  }

  override render() {
    const state = this.filter('state');
    return html`<h1>Runs</h1>
      <nav class="tabs" aria-label="Run lists">
        ${STATES.map(
          (tab) =>
            html`<a href=${this.pathWith({ state: tab.value })} aria-current=${tab.value === state ? 'page' : 'false'}>${tab.label}</a>`,
        )}
      </nav>
      <form class="row" role="search" @submit=${this.onFilter}>
        <label>Flow <input name="flow" .value=${this.filter('flow')} size="12" /></label>
        <label>Branch <input name="branch" .value=${this.filter('branch')} size="12" /></label>
        <label>Result
          <select name="result" .value=${this.filter('result')}>
            ${['', 'good', 'bad', 'cancelled'].map((r) => html`<option value=${r} ?selected=${r === this.filter('result')}>${r || 'any'}</option>`)}
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      ${this.runs.render({
        pending: () => html`<floe-spinner label="Loading runs…"></floe-spinner>`,
        error: (error) =>
          html`<floe-error-box .error=${error} retryable @floe-retry=${() => this.runs.rerun()}></floe-error-box>`,
        complete: (page) => this.renderPage(page),
      })}`;
  }

  private renderPage(page: RunsPage) {
    return html`<floe-run-list .runs=${page.runs}></floe-run-list>
      <div class="row pager">
        <button ?disabled=${this.cursors.length < 2} @click=${() => (this.cursors = this.cursors.slice(0, -1))}>
          ← Newer
        </button>
        <button ?disabled=${page.next === undefined} @click=${() => (this.cursors = [...this.cursors, page.next ?? ''])}>
          Older →
        </button>
        <span class="muted">Page ${this.cursors.length}</span>
      </div>`;
  }

  private pathWith(changes: Record<string, string>): string {
    const filters = Object.fromEntries(this.query.entries());
    return runsPath({ ...filters, ...changes });
  }

  private onFilter(event: Event) {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    navigate(
      this.pathWith({
        flow: String(data.get('flow') ?? '').trim(),
        branch: String(data.get('branch') ?? '').trim(),
        result: String(data.get('result') ?? ''),
      }),
    );
  }
}

/** A run that changed: updated in place, or put on top of the first page when it is new and fits the list. */
function mergeRun(page: RunsPage, run: RunSummary, firstPage: boolean, fits: (run: RunSummary) => boolean): RunsPage {
  const index = page.runs.findIndex((r) => r.id === run.id);
  if (index >= 0) {
    // A run that left the list shown (pending → active) goes away from it.
    if (!fits(run)) return { ...page, runs: page.runs.filter((r) => r.id !== run.id) };
    const runs = page.runs.slice();
    runs[index] = run;
    return { ...page, runs };
  }
  if (!firstPage || !fits(run)) return page;
  return { ...page, runs: [run, ...page.runs] };
}

/** A branch as typed in the filter (`main`) or as a full ref (`refs/tags/v1`). */
function refOf(branch: string): string {
  return branch.startsWith('refs/') ? branch : `refs/heads/${branch}`;
}

customElements.define('floe-runs-page', FloeRunsPage);
declare global {
  interface HTMLElementTagNameMap {
    'floe-runs-page': FloeRunsPage;
  }
}
