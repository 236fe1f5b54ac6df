import type { Annotation, NodeView, RunReportView, TestReport } from '@floe/shared';
import { css, html, LitElement, nothing } from 'lit';
import { runPath } from '../router.js';
import { sharedStyles } from '../shared-styles.js';
import './floe-markdown.js';

/**
 * What a run's tasks reported besides their logs (shared/src/protocol/task-report.ts): the annotations, each
 * linking to the log line that printed it; the test reports, with counts and failures; each task's summary.
 */
export class FloeRunReports extends LitElement {
  static override properties = {
    runId: { attribute: 'run-id' },
    reports: { attribute: false },
    nodes: { attribute: false },
  };
  static override styles = [
    sharedStyles,
    css`
      ul {
        padding-left: 1.2rem;
        margin: 0.3rem 0;
      }
      .error {
        color: var(--floe-bad);
      }
      .warning {
        color: var(--floe-input);
      }
      .summary {
        border-left: 4px solid var(--floe-border, #ccc);
        padding: 0 0.8rem;
        margin: 0.5rem 0;
      }
      .mono {
        font-family: var(--floe-mono);
      }
    `,
  ];
  declare runId: string;
  declare reports: RunReportView[];
  declare nodes: NodeView[];

  constructor() {
    super();
    this.runId = '';
    this.reports = [];
    this.nodes = [];
  }

  private name(node: string): string {
    return this.nodes.find((n) => n.id === node)?.name ?? node;
  }

  override render() {
    const annotations = this.reports.filter((r) => r.report.type === 'annotation');
    const tests = this.reports.filter((r) => r.report.type === 'tests');
    const summaries = this.reports.filter((r) => r.report.type === 'summary');
    return html`${
      annotations.length > 0
        ? html`<section aria-label="Annotations" data-testid="annotations">
          <h2>Annotations</h2>
          <ul>${annotations.map((r) => this.renderAnnotation(r.node, r.report as Annotation))}</ul>
        </section>`
        : nothing
    }
    ${tests.map((r) => this.renderTests(r.node, r.report as TestReport))}
    ${summaries.map(
      (r) => html`<section aria-label="Summary of ${this.name(r.node)}" data-testid="summary">
        <h2>Summary of ${this.name(r.node)}${r.attempt > 1 ? ` (attempt ${r.attempt})` : ''}</h2>
        <floe-markdown class="summary" .markdown=${r.report.type === 'summary' ? r.report.markdown : ''}></floe-markdown>
      </section>`,
    )}`;
  }

  private renderAnnotation(node: string, a: Annotation) {
    const where = a.file ? `${a.file}${a.line ? `:${a.line}${a.col ? `:${a.col}` : ''}` : ''}` : '';
    const text = html`<span class=${a.level}>${a.level}</span> ${a.title ? html`<strong>${a.title}</strong> ` : nothing}${a.message}
      ${where ? html`<span class="mono muted">${where}</span>` : nothing}
      <span class="muted">(${this.name(node)})</span>`;
    return html`<li data-testid="annotation">${
      a.logLine ? html`<a href=${runPath(this.runId, node, a.logLine)}>${text}</a>` : text
    }</li>`;
  }

  private renderTests(node: string, t: TestReport) {
    const passed = t.tests - t.failures - t.errors - t.skipped;
    return html`<section aria-label="Tests of ${this.name(node)}" data-testid="tests">
      <h2>Tests of ${this.name(node)}</h2>
      <p data-testid="test-counts">${t.tests} tests: ${passed} passed, ${t.failures} failed, ${t.errors} errors, ${t.skipped} skipped</p>
      ${
        t.failed.length > 0
          ? html`<ul>${t.failed.map(
              (
                f,
              ) => html`<li data-testid="failed-test"><span class="error">✗</span> ${[f.classname, f.name].filter(Boolean).join(' ')}
                ${f.file ? html`<span class="mono muted">${f.file}${f.line ? `:${f.line}` : ''}</span>` : nothing}
                ${f.message ? html`<div class="mono">${f.message}</div>` : nothing}</li>`,
            )}</ul>`
          : nothing
      }
      ${t.problems.length > 0 ? html`<ul>${t.problems.map((p) => html`<li class="warning">${p}</li>`)}</ul>` : nothing}
    </section>`;
  }
}

customElements.define('floe-run-reports', FloeRunReports);
declare global {
  interface HTMLElementTagNameMap {
    'floe-run-reports': FloeRunReports;
  }
}
