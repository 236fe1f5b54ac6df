import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ComponentPage, openComponentPage } from '../testing/component-page.js';

describe('<floe-run-reports> in Chromium', () => {
  let view: ComponentPage;

  beforeAll(async () => {
    view = await openComponentPage();
    await view.load('floe-run-reports');
  });
  afterAll(() => view?.close());

  it('lists annotations linking to their log line, test counts with failures, and summaries', async () => {
    const shown = await view.page.evaluate(async () => {
      const element = document.createElement('floe-run-reports');
      element.runId = 'run 1';
      element.nodes = [{ id: 'lint', name: 'Lint', state: 'bad' }];
      element.reports = [
        {
          node: 'lint',
          attempt: 1,
          report: {
            type: 'annotation',
            level: 'error',
            message: 'boom <b>x</b>',
            file: 'src/a.ts',
            line: 3,
            col: 2,
            logLine: 14,
          },
        },
        { node: 'lint', attempt: 1, report: { type: 'annotation', level: 'warning', message: 'no line known' } },
        {
          node: 'lint',
          attempt: 1,
          report: {
            type: 'tests',
            files: ['out/r.xml'],
            tests: 5,
            failures: 1,
            errors: 1,
            skipped: 1,
            problems: ['out/bad.xml: not JUnit XML'],
            failed: [{ name: 'adds', classname: 'math', file: 'src/add.test.ts', line: 7, message: 'expected 2' }],
          },
        },
        {
          node: 'lint',
          attempt: 2,
          report: { type: 'summary', markdown: '## Fine\n\n<script>window.pwned=1</script>', truncated: false },
        },
      ];
      document.body.append(element);
      await element.updateComplete;
      const root = element.shadowRoot as ShadowRoot;
      const summary = root.querySelector('floe-markdown') as HTMLElement & { updateComplete: Promise<unknown> };
      await summary.updateComplete;
      return {
        annotations: [...root.querySelectorAll('[data-testid=annotation]')].map((li) => ({
          text: li.textContent?.replace(/\s+/g, ' ').trim(),
          href: li.querySelector('a')?.getAttribute('href') ?? null,
        })),
        counts: root.querySelector('[data-testid=test-counts]')?.textContent,
        failed: root.querySelector('[data-testid=failed-test]')?.textContent?.replace(/\s+/g, ' ').trim(),
        summaryTitle: root.querySelector('[data-testid=summary] h2')?.textContent,
        summaryHeading: summary.shadowRoot?.querySelector('h2')?.textContent,
        scripts: summary.shadowRoot?.querySelectorAll('script').length,
        bold: root.querySelectorAll('[data-testid=annotation] b').length,
      };
    });
    expect(shown.annotations).toEqual([
      { text: 'error boom <b>x</b> src/a.ts:3:2 (Lint)', href: '/runs/run%201?node=lint&line=14' },
      { text: 'warning no line known (Lint)', href: null },
    ]);
    // A message is text, never markup.
    expect(shown.bold).toBe(0);
    expect(shown.counts).toBe('5 tests: 2 passed, 1 failed, 1 errors, 1 skipped');
    expect(shown.failed).toBe('✗ math adds src/add.test.ts:7 expected 2');
    expect(shown.summaryTitle).toBe('Summary of Lint (attempt 2)');
    expect(shown.summaryHeading).toBe('Fine');
    expect(shown.scripts).toBe(0);
  });
});
