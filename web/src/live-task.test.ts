import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ComponentPage, openComponentPage } from './testing/component-page.js';

type Driver = {
  fetches: Array<{ arg: string; resolve: (value: string[]) => void; reject: (error: Error) => void }>;
  live: Map<string, (item: string) => void>;
  closed: number;
};
type TestWindow = typeof window & { liveTask: Driver };

describe('LiveTask (@lit/task plus a live subscription) in Chromium', () => {
  let view: ComponentPage;

  beforeAll(async () => {
    view = await openComponentPage();
    await view.page.addScriptTag({ type: 'module', content: `import '/src/testing/live-task-host.ts';` });
    await view.page.waitForFunction(() => customElements.get('live-task-host') !== undefined);
    await view.page.evaluate(() => document.body.append(document.createElement('live-task-host')));
  });
  afterAll(() => view?.close());

  const shown = () =>
    view.page.evaluate(async () => {
      const host = document.querySelector('live-task-host');
      await host?.updateComplete;
      return host?.shadowRoot?.querySelector('p')?.textContent ?? '';
    });
  const waitShown = (text: string) =>
    view.page.waitForFunction(
      (expected) => document.querySelector('live-task-host')?.shadowRoot?.querySelector('p')?.textContent === expected,
      text,
    );
  const setArg = (arg: string) =>
    view.page.evaluate((value) => {
      const host = document.querySelector('live-task-host');
      if (host) host.arg = value;
    }, arg);
  const fetches = () => view.page.evaluate(() => (window as TestWindow).liveTask.fetches.map((fetch) => fetch.arg));
  const resolve = (index: number, value: string[]) =>
    view.page.evaluate(([i, v]) => (window as TestWindow).liveTask.fetches[i as number]?.resolve(v as string[]), [
      index,
      value,
    ] as const);
  const send = (arg: string, item: string) =>
    view.page.evaluate(([a, i]) => (window as TestWindow).liveTask.live.get(a)?.(i), [arg, item] as const);
  const openLive = () => view.page.evaluate(() => [...(window as TestWindow).liveTask.live.keys()]);

  it('waits without arguments, then fetches, applying live messages that come during and after the fetch', async () => {
    expect(await shown()).toBe('initial');
    expect(await fetches()).toEqual([]);
    await setArg('a');
    expect(await shown()).toBe('pending');
    expect(await fetches()).toEqual(['a']);
    expect(await openLive()).toEqual(['a']);
    await send('a', 'x');
    await waitShown('x');
    await resolve(0, ['p', 'q']);
    await waitShown('p,q,x');
    await send('a', 'y');
    await waitShown('p,q,x,y');
  });

  it('keeps showing the value while it fetches again, and reopens the subscription', async () => {
    const closed = await view.page.evaluate(() => (window as TestWindow).liveTask.closed);
    await view.page.evaluate(() => document.querySelector('live-task-host')?.items.rerun());
    expect(await fetches()).toEqual(['a', 'a']);
    expect(await shown()).toBe('p,q,x,y');
    expect(await view.page.evaluate(() => (window as TestWindow).liveTask.closed)).toBe(closed + 1);
    expect(await openLive()).toEqual(['a']);
    await resolve(1, ['p', 'z']);
    await waitShown('p,z,q,x,y');
  });

  it('starts afresh when the arguments change, and drops what a stale fetch or subscription brings', async () => {
    const sendToA = await view.page.evaluateHandle(() => (window as TestWindow).liveTask.live.get('a'));
    await setArg('b');
    expect(await shown()).toBe('pending');
    await setArg('c');
    expect(await fetches()).toEqual(['a', 'a', 'b', 'c']);
    expect(await openLive()).toEqual(['c']);
    await resolve(2, ['stale']);
    await sendToA.evaluate((sendItem) => sendItem?.('late'));
    expect(await shown()).toBe('pending');
    await resolve(3, ['c1']);
    await waitShown('c1');
  });

  it('shows a failed fetch as an error', async () => {
    await view.page.evaluate(() => document.querySelector('live-task-host')?.items.rerun());
    await view.page.evaluate(() => (window as TestWindow).liveTask.fetches[4]?.reject(new Error('boom')));
    await waitShown('error: boom');
  });

  it('closes the subscription when the element leaves the page, and fetches afresh when it comes back', async () => {
    const host = await view.page.evaluateHandle(() => document.querySelector('live-task-host'));
    await host.evaluate((element) => element?.remove());
    expect(await openLive()).toEqual([]);
    await host.evaluate((element) => element && document.body.append(element));
    expect(await shown()).toBe('pending');
    expect(await fetches()).toEqual(['a', 'a', 'b', 'c', 'c', 'c']);
    expect(await openLive()).toEqual(['c']);
    await resolve(5, ['c2']);
    await waitShown('c2');
  });
});
