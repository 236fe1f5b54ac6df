import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ComponentPage, openComponentPage } from '../testing/component-page.js';

describe('<floe-log-view> in Chromium', () => {
  let view: ComponentPage;

  beforeAll(async () => {
    view = await openComponentPage();
    await view.load('floe-log-view');
  });
  afterAll(() => view?.close());

  /** Mounts a fresh view and returns nothing; the page keeps it as `window.log`. */
  async function mount() {
    await view.page.evaluate(async () => {
      document.querySelector('floe-log-view')?.remove();
      const log = document.createElement('floe-log-view');
      document.body.append(log);
      (window as unknown as { log: typeof log }).log = log;
      await log.updateComplete;
    });
  }

  /** Feeds chunks `[offset, text]` in order; returns what each append did. */
  function feed(chunks: Array<[number, string]>) {
    return view.page.evaluate(async (all) => {
      const log = (window as unknown as { log: HTMLElementTagNameMap['floe-log-view'] }).log;
      const results = all.map(([offset, text]) => log.feed(offset, text));
      await log.updateComplete;
      return results;
    }, chunks);
  }

  const renderedLines = () =>
    view.page.evaluate(() =>
      [...(document.querySelector('floe-log-view')?.shadowRoot?.querySelectorAll('.line') ?? [])].map((line) => ({
        no: Number((line as HTMLElement).dataset.line),
        text: line.textContent?.replace(/^\d+/, '') ?? '',
        classes: line.className,
      })),
    );

  it('shows ANSI colours as styled spans, the colour carrying over to the next line', async () => {
    await mount();
    await feed([[0, 'plain \u001b[1;31mbold red\u001b[0m back\n\u001b[32mgreen\nstill green\u001b[0m\n']]);
    const spans = await view.page.evaluate(() =>
      [...(document.querySelector('floe-log-view')?.shadowRoot?.querySelectorAll('.line span:not(.no)') ?? [])].map(
        (span) => ({ text: span.textContent, cls: span.className, colour: getComputedStyle(span).color }),
      ),
    );
    expect(spans).toEqual([
      { text: 'bold red', cls: 'b f1', colour: 'rgb(229, 83, 75)' },
      { text: 'green', cls: 'f2', colour: 'rgb(87, 171, 90)' },
      { text: 'still green', cls: 'f2', colour: 'rgb(87, 171, 90)' },
    ]);
    expect((await renderedLines()).map((line) => line.text)).toEqual(['plain bold red back', 'green', 'still green']);
  });

  it('shows the task cache’s hit, miss and save from its log lines, each once however the log arrives', async () => {
    await mount();
    await feed([
      [0, 'cache miss: deps-linux-abc\n$ npm ci\ncache not a cache line\n'],
      [59, 'added 1 package\ncache saved: deps-linux-abc — 1.2 MB in 0.1s\n'],
    ]);
    const badges = () =>
      view.page.evaluate(() =>
        [
          ...(document.querySelector('floe-log-view')?.shadowRoot?.querySelectorAll('[data-testid=cache] .badge') ??
            []),
        ].map((badge) => ({ text: badge.textContent, title: badge.getAttribute('title'), cls: badge.className })),
      );
    expect(await badges()).toEqual([
      { text: 'cache miss', title: '', cls: 'badge ' },
      { text: 'cache saved', title: '1.2 MB in 0.1s', cls: 'badge good' },
    ]);
    // Re-rendering (a search) reads no line twice.
    await view.page.evaluate(async () => {
      const log = (window as unknown as { log: HTMLElementTagNameMap['floe-log-view'] }).log;
      log.requestUpdate();
      await log.updateComplete;
    });
    expect(await badges()).toHaveLength(2);
  });

  it('resumes by byte offset: repeated chunks are trimmed, a gap is refused, nothing shows twice', async () => {
    await mount();
    const results = await feed([
      [0, 'ünïcode\nsecond\n'],
      [0, 'ünïcode\n'],
      [10, 'second\nthird\n'],
      [200, 'from the future\n'],
      [23, 'fourth\n'],
    ]);
    expect(results).toEqual(['appended', 'duplicate', 'appended', 'gap', 'appended']);
    expect((await renderedLines()).map((line) => line.text)).toEqual(['ünïcode', 'second', 'third', 'fourth']);
  });

  it('renders 100,000 lines virtualised, follows the end, and finds a line by search', async () => {
    await mount();
    const timing = await view.page.evaluate(async () => {
      const log = (window as unknown as { log: HTMLElementTagNameMap['floe-log-view'] }).log;
      const started = performance.now();
      let offset = 0;
      const encoder = new TextEncoder();
      // 100 chunks of 1,000 lines, as a busy task's output arrives.
      for (let chunk = 0; chunk < 100; chunk++) {
        let text = '';
        for (let i = 0; i < 1000; i++) text += `line ${chunk * 1000 + i} \u001b[36mstep\u001b[0m ok\n`;
        log.feed(offset, text);
        offset += encoder.encode(text).length;
        await log.updateComplete;
      }
      await new Promise(requestAnimationFrame);
      return performance.now() - started;
    });
    console.log(`log view: 100,000 lines fed in 100 chunks and rendered in ${timing.toFixed(0)} ms`);
    let lines = await renderedLines();
    expect(lines.length).toBeLessThan(200);
    expect(lines.at(-1)?.text).toBe('line 99999 step ok');
    const status = await view.page.evaluate(
      () => document.querySelector('floe-log-view')?.shadowRoot?.querySelector('.status')?.textContent,
    );
    expect(status).toContain('100000 lines');

    const search = view.page.locator('floe-log-view input[type=search]');
    await search.fill('line 54321 ');
    await view.page.waitForFunction(
      () => document.querySelector('floe-log-view')?.shadowRoot?.querySelector('.line.current') !== null,
    );
    lines = await renderedLines();
    const current = lines.find((line) => line.classes.includes('current'));
    expect(current?.no).toBe(54322);
    expect(current?.text).toBe('line 54321 step ok');
    expect(await view.page.locator('floe-log-view .hits').textContent()).toBe('1/1');
  });

  it('downloads the log as plain text', async () => {
    await mount();
    await feed([[0, '\u001b[31mred\u001b[0m line\nsecond\n']]);
    const [download] = await Promise.all([
      view.page.waitForEvent('download'),
      view.page.locator('floe-log-view button', { hasText: 'Download' }).click(),
    ]);
    const path = await download.path();
    expect(await readFile(path, 'utf8')).toBe('red line\nsecond\n');
  });

  it('folds groups until clicked, and unfolds the one holding the line it is asked to show', async () => {
    await mount();
    const log = [
      '$ make\n',
      '\u0001group\u0001Install\n',
      'npm ci\n',
      'added 3 packages\n',
      '\u0001endgroup\u0001\n',
      '\u0001group\u0001Test\n',
      'test a ok\n',
      '::error file=a.ts::boom\n',
      '\u0001endgroup\u0001\n',
      'exited 1\n',
    ].join('');
    await feed([[0, log]]);
    const texts = async () => (await renderedLines()).map((line) => `${line.no}:${line.text}`);
    expect(await texts()).toEqual(['1:$ make', '2:▸ Install', '6:▸ Test', '10:exited 1']);
    await view.page.locator('floe-log-view button.fold', { hasText: 'Install' }).click();
    await view.page.evaluate(() => document.querySelector('floe-log-view')?.updateComplete);
    expect(await texts()).toEqual([
      '1:$ make',
      '2:▾ Install',
      '3:npm ci',
      '4:added 3 packages',
      '6:▸ Test',
      '10:exited 1',
    ]);
    // An annotation's link names line 8, inside the folded Test group.
    await view.page.evaluate(async () => {
      const element = document.querySelector('floe-log-view') as HTMLElementTagNameMap['floe-log-view'];
      element.line = 8;
      await element.updateComplete;
      await element.updateComplete;
    });
    const lines = await renderedLines();
    expect(lines.map((line) => line.no)).toEqual([1, 2, 3, 4, 6, 7, 8, 10]);
    expect(lines.find((line) => line.classes.includes('target'))?.text).toBe('::error file=a.ts::boom');
    // The download shows a group's name and none of floe's control bytes.
    const [download] = await Promise.all([
      view.page.waitForEvent('download'),
      view.page.locator('floe-log-view button', { hasText: 'Download' }).click(),
    ]);
    const text = await readFile(await download.path(), 'utf8');
    expect(text).toContain('▸ Install\nnpm ci\n');
    expect(text).not.toContain('\u0001');
  });
});
