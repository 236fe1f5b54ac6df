import type { NodeView } from '@floe/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ComponentPage, openComponentPage } from '../testing/component-page.js';

const of = (values: Record<string, string>) => ({ of: 'test', values });
const nodes: NodeView[] = [
  { id: 'build', type: 'exec', state: 'good', startedAt: 0, endedAt: 1_000 },
  { id: 'test', type: 'exec', state: 'running', startedAt: 1_000 },
  {
    id: 'test~node-18',
    name: 'test (18)',
    type: 'exec',
    state: 'good',
    startedAt: 1_000,
    endedAt: 3_000,
    combination: of({ node: '18' }),
  },
  {
    id: 'test~node-20',
    name: 'test (20)',
    type: 'exec',
    state: 'running',
    startedAt: 1_000,
    combination: of({ node: '20' }),
  },
  { id: 'test~node-22', name: 'test (22)', type: 'exec', state: 'waiting', combination: of({ node: '22' }) },
];

describe('<floe-run-timeline> in Chromium', () => {
  let view: ComponentPage;

  beforeAll(async () => {
    view = await openComponentPage();
    await view.load('floe-run-timeline');
    await view.page.evaluate(async (all) => {
      const timeline = document.createElement('floe-run-timeline');
      timeline.nodes = all;
      timeline.startedAt = 0;
      timeline.now = 4_000;
      document.body.append(timeline);
      await timeline.updateComplete;
    }, nodes);
  });
  afterAll(() => view?.close());

  const rows = () =>
    view.page.evaluate(() =>
      [...(document.querySelector('floe-run-timeline')?.shadowRoot?.querySelectorAll('[data-row]') ?? [])].map(
        (row) => `${row.getAttribute('data-row')}: ${row.textContent?.trim()}`,
      ),
    );

  it('groups the combinations of a matrix task under one row, and shows their own bars on demand', async () => {
    expect(await rows()).toEqual(['build: build', 'test: ▸ test (3)']);
    await view.page.locator('floe-run-timeline button[data-row=test]').click();
    // The combination that has not started has no bar, as any node.
    expect(await rows()).toEqual([
      'build: build',
      'test: ▾ test (3)',
      'test~node-18: test (18)',
      'test~node-20: test (20)',
    ]);
    expect(await view.page.locator('floe-run-timeline button[data-row=test]').getAttribute('aria-expanded')).toBe(
      'true',
    );
    await view.page.locator('floe-run-timeline button[data-row=test]').press('Enter');
    expect(await rows()).toEqual(['build: build', 'test: ▸ test (3)']);
  });
});
