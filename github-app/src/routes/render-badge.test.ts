import { describe, expect, it } from 'vitest';
import { MAX_LABEL, renderBadge } from './render-badge.js';

/** The markup of a badge: its tags and attributes, with the texts between them left out. */
const markup = (svg: string) => svg.replace(/>[^<]*</g, '><').replace(/"[^"]*"/g, '""');

describe('renderBadge', () => {
  it('shows the label and the result in words and colour', () => {
    const svg = renderBadge('build', 'bad');
    expect(svg).toContain('>build</text>');
    expect(svg).toContain('>failing</text>');
    expect(svg).toContain('fill="#cf222e"');
    expect(renderBadge('build', 'good')).toContain('>passing</text>');
    expect(renderBadge('build', 'none')).toContain('>no runs</text>');
  });

  it.each([
    ['a closing tag and a script', '</text><script>alert(1)</script><text>'],
    ['an attribute break-out', '" onload="alert(1)'],
    ['an entity and a CDATA end', '&xxe; ]]> <!ENTITY x SYSTEM "file:///etc/passwd">'],
    ['quotes and an apostrophe', `it's "quoted"`],
  ])('adds no markup for a label with %s', (_what, label) => {
    const svg = renderBadge(label, 'good');
    expect(markup(svg)).toBe(markup(renderBadge('build', 'good')));
    expect(svg).not.toContain('<script');
    expect(svg).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;)/);
  });

  it('drops characters XML cannot hold and cuts a long label with an ellipsis', () => {
    expect(renderBadge('a\u0000b\u001bc\u007f\ud800d', 'good')).toContain('>abcd</text>');
    const long = renderBadge('x'.repeat(10_000), 'good');
    expect(long).toContain(`>${'x'.repeat(MAX_LABEL - 1)}…</text>`);
    expect(long.length).toBeLessThan(1_000);
    // The box grows with the text it holds, up to the cut.
    const width = (svg: string) => Number(/width="(\d+)"/.exec(svg)?.[1]);
    expect(width(renderBadge('a-much-longer-flow-name', 'good'))).toBeGreaterThan(width(renderBadge('ab', 'good')));
    expect(width(long)).toBe(width(renderBadge('y'.repeat(MAX_LABEL + 500), 'good')));
  });
});
