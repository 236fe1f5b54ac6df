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

describe('<floe-run-graph> of a matrix task in Chromium', () => {
  let view: ComponentPage;
  const of = (values: Record<string, string>) => ({ of: 'test', values });
  const matrix: NodeView[] = [
    { id: 'test', name: 'test', type: 'exec', state: 'running', listen: 'trigger.good' },
    { id: 'test~node-18', name: 'test (18)', type: 'exec', state: 'good', combination: of({ node: '18' }) },
    { id: 'test~node-20', name: 'test (20)', type: 'exec', state: 'bad', exitCode: 1, combination: of({ node: '20' }) },
    { id: 'test~node-22', name: 'test (22)', type: 'exec', state: 'running', combination: of({ node: '22' }) },
    { id: 'after', type: 'exec', state: 'waiting', listen: 'task.test.good' },
    { id: 'only20', type: 'exec', state: 'waiting', listen: 'task.test~node-20.bad' },
  ];

  beforeAll(async () => {
    view = await openComponentPage();
    await view.load('floe-run-graph');
    await view.page.evaluate(async (all) => {
      const graph = document.createElement('floe-run-graph');
      graph.nodes = all;
      document.body.append(graph);
      (window as unknown as { chosen: string[] }).chosen = [];
      graph.addEventListener('floe-select-node', (event) => {
        (window as unknown as { chosen: string[] }).chosen.push((event as CustomEvent<{ node: string }>).detail.node);
      });
      await graph.updateComplete;
    }, matrix);
  });
  afterAll(() => view?.close());

  const drawn = () =>
    view.page.evaluate(() => {
      const root = document.querySelector('floe-run-graph')?.shadowRoot;
      return {
        nodes: [...(root?.querySelectorAll('g.node') ?? [])].map((g) => g.getAttribute('data-node')),
        edges: [...(root?.querySelectorAll('path.edge') ?? [])].map(
          (p) => `${p.getAttribute('data-from')}>${p.getAttribute('data-to')} ${p.getAttribute('class')}`,
        ),
      };
    });

  it('draws the matrix task as one box counting its combinations, a listener of one hanging off it', async () => {
    expect(await drawn()).toEqual({
      nodes: ['test', 'after', 'only20'],
      edges: ['@trigger>test edge on-trigger', 'test>after edge on-good', 'test>only20 edge on-bad'],
    });
    const box = view.page.locator('floe-run-graph g[data-node=test]');
    expect(await box.locator('text.state').textContent()).toBe('1/3 good · 1 bad');
    expect(await box.locator('title').textContent()).toBe('test: running; combinations 1/3 good, 1 bad, 1 running');
  });

  it('shows the combinations as nodes of their own, and hides them again, without choosing the task', async () => {
    const toggle = view.page.locator('floe-run-graph g[data-toggle=test]');
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    const open = await drawn();
    expect(open.nodes).toEqual(['test', 'test~node-18', 'test~node-20', 'test~node-22', 'after', 'only20']);
    expect(open.edges).toEqual([
      '@trigger>test edge on-trigger',
      'test>test~node-18 edge on-matrix',
      'test>test~node-20 edge on-matrix',
      'test>test~node-22 edge on-matrix',
      'test>after edge on-good',
      'test~node-20>only20 edge on-bad',
    ]);
    await view.page.locator('floe-run-graph g[data-node="test~node-20"]').click();
    await toggle.focus();
    await view.page.keyboard.press('Enter');
    expect((await drawn()).nodes).toEqual(['test', 'after', 'only20']);
    expect(await view.page.evaluate(() => (window as unknown as { chosen: string[] }).chosen)).toEqual([
      'test~node-20',
    ]);
  });
});
