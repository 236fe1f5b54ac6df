import type { NodeView } from '@floe/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ComponentPage, openComponentPage } from '../testing/component-page.js';

const nodes: NodeView[] = [
  { id: 'build', name: 'Build', type: 'exec', state: 'good', listen: 'trigger.good' },
  { id: 'test', name: 'Test', type: 'exec', state: 'running', listen: 'task.build.good' },
  { id: 'notify', name: 'Notify', type: 'exec', state: 'waiting', listen: 'task.build.bad' },
  { id: 'approve', name: 'Approve', type: 'data', state: 'waiting', listen: 'task.test.good' },
];

describe('<floe-run-graph> in Chromium', () => {
  let view: ComponentPage;

  beforeAll(async () => {
    view = await openComponentPage();
    await view.load('floe-run-graph');
    await view.page.evaluate(async (all) => {
      const graph = document.createElement('floe-run-graph');
      graph.nodes = all;
      document.body.append(graph);
      graph.addEventListener('floe-select-node', (event) => {
        (window as unknown as { chosen: string[] }).chosen.push((event as CustomEvent<{ node: string }>).detail.node);
      });
      (window as unknown as { chosen: string[] }).chosen = [];
      await graph.updateComplete;
    }, nodes);
  });
  afterAll(() => view?.close());

  const drawn = () =>
    view.page.evaluate(() => {
      const root = document.querySelector('floe-run-graph')?.shadowRoot;
      return {
        nodes: [...(root?.querySelectorAll('g.node') ?? [])].map((g) => ({
          id: g.getAttribute('data-node'),
          state: g.getAttribute('data-state'),
          transform: g.getAttribute('transform'),
          stroke: getComputedStyle(g.querySelector('rect') as Element).stroke,
        })),
        edges: [...(root?.querySelectorAll('path.edge') ?? [])].map(
          (p) => `${p.getAttribute('data-from')}>${p.getAttribute('data-to')} ${p.getAttribute('class')}`,
        ),
      };
    });

  it('draws every node coloured by its state and the event edges between them', async () => {
    const { nodes: shown, edges } = await drawn();
    expect(shown.map((node) => [node.id, node.state])).toEqual([
      ['build', 'good'],
      ['test', 'running'],
      ['notify', 'waiting'],
      ['approve', 'waiting'],
    ]);
    const stroke = Object.fromEntries(shown.map((node) => [node.id, node.stroke]));
    expect(stroke.build).not.toBe(stroke.test);
    expect(edges).toEqual([
      '@trigger>build edge on-trigger',
      'build>test edge on-good',
      'build>notify edge on-bad',
      'test>approve edge on-good',
    ]);
  });

  it('recolours a node when its state changes, without moving anything', async () => {
    const before = await drawn();
    await view.page.evaluate(async () => {
      const graph = document.querySelector('floe-run-graph') as HTMLElementTagNameMap['floe-run-graph'];
      graph.nodes = graph.nodes.map((node) => (node.id === 'test' ? { ...node, state: 'bad', exitCode: 2 } : node));
      await graph.updateComplete;
    });
    const after = await drawn();
    expect(after.nodes.find((node) => node.id === 'test')?.state).toBe('bad');
    expect(after.nodes.map((node) => node.transform)).toEqual(before.nodes.map((node) => node.transform));
    expect(await view.page.locator('floe-run-graph g[data-node=test]').textContent()).toContain('bad (2)');
  });

  it('lets a node be chosen by click and by keyboard', async () => {
    await view.page.locator('floe-run-graph g[data-node=notify]').click();
    await view.page.locator('floe-run-graph g[data-node=approve]').focus();
    await view.page.keyboard.press('Enter');
    expect(await view.page.evaluate(() => (window as unknown as { chosen: string[] }).chosen)).toEqual([
      'notify',
      'approve',
    ]);
  });
});
