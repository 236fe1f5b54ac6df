import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ComponentPage, openComponentPage } from '../testing/component-page.js';

const HOSTILE = `# Result

| a | b |
| - | - |
| 1 | **2** |

[docs](https://example.com/docs) and [rel](/runs/x)

<script>window.pwned = 'script'</script>
<img src=x onerror="window.pwned = 'img'">
<svg onload="window.pwned = 'svg'"><circle r="1"/></svg>
<iframe src="javascript:parent.pwned = 'iframe'"></iframe>
<div style="background: url(https://evil.example/x)" onclick="window.pwned = 'click'">styled</div>
<form action="https://evil.example"><input name=q><button>go</button></form>
<a href="javascript:window.pwned = 'href'">js link</a>
<a href="&#106;avascript:window.pwned = 'entity'">entity link</a>
[md js](javascript:window.pwned='md')
[md data](data:text/html,<script>parent.pwned='data'</script>)
<details open ontoggle="window.pwned = 'toggle'"><summary>more</summary>inside</details>
<math><mi xlink:href="javascript:window.pwned='math'">m</mi></math>
<meta http-equiv="refresh" content="0;url=https://evil.example">
`;

describe('<floe-markdown> in Chromium', () => {
  let view: ComponentPage;

  beforeAll(async () => {
    view = await openComponentPage();
    await view.load('floe-markdown');
  });
  afterAll(() => view?.close());

  it('renders Markdown and keeps nothing of hostile HTML that can run, load or restyle', async () => {
    const result = await view.page.evaluate(async (markdown) => {
      const element = document.createElement('floe-markdown');
      element.markdown = markdown;
      document.body.append(element);
      await element.updateComplete;
      const root = element.shadowRoot as ShadowRoot;
      // Give any handler a chance to fire (an image error, an SVG load, a toggle).
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const node of root.querySelectorAll('*')) (node as HTMLElement).click?.();
      return {
        pwned: (window as unknown as { pwned?: string }).pwned,
        tags: [...new Set([...root.querySelectorAll('*')].map((node) => node.localName))].sort(),
        handlers: [...root.querySelectorAll('*')].flatMap((node) =>
          [...node.attributes].filter((a) => a.name.startsWith('on') || a.name === 'style').map((a) => a.name),
        ),
        links: [...root.querySelectorAll('a')].map((a) => ({
          href: a.getAttribute('href'),
          rel: a.rel,
          target: a.target,
        })),
        heading: root.querySelector('h1')?.textContent,
        cell: root.querySelector('td strong')?.textContent,
      };
    }, HOSTILE);
    expect(result.pwned).toBeUndefined();
    for (const tag of ['script', 'img', 'svg', 'iframe', 'form', 'input', 'button', 'math', 'meta', 'style']) {
      expect(result.tags).not.toContain(tag);
    }
    expect(result.handlers).toEqual([]);
    // The javascript: and data: links lost their href (or never became links).
    expect(result.links.map((link) => link.href).filter((href) => href !== null)).toEqual([
      'https://example.com/docs',
      '/runs/x',
    ]);
    expect(result.links.every((link) => link.rel === 'noopener noreferrer' && link.target === '_blank')).toBe(true);
    expect(result.heading).toBe('Result');
    expect(result.cell).toBe('2');
  });
});
