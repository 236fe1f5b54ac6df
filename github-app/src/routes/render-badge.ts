// A status badge as SVG (docs/api.md "Badges"): two boxes, the flow and its last result. Every text in it comes
// from outside — a flow id from FLOE.yaml, a ref from the URL — so each is cut to a length and escaped for XML, and
// characters XML 1.0 cannot hold are dropped: no name can end the text element and add markup (a script, a link).
// Only presentation attributes, no style: the hub's Content-Security-Policy forbids inline style.
import type { RunResult } from '@floe/shared';

export type BadgeStatus = RunResult | 'none' | 'unknown';

const LOOK: Record<BadgeStatus, { text: string; color: string }> = {
  good: { text: 'passing', color: '#2ea043' },
  bad: { text: 'failing', color: '#cf222e' },
  cancelled: { text: 'cancelled', color: '#6e7781' },
  none: { text: 'no runs', color: '#9a6700' },
  unknown: { text: 'unknown', color: '#6e7781' },
};

/** Longest label shown; longer ones are cut with an ellipsis (a badge is read at a glance). */
export const MAX_LABEL = 32;

export function renderBadge(label: string, status: BadgeStatus): string {
  const left = clip(label);
  const right = LOOK[status].text;
  const leftWidth = textWidth(left) + 12;
  const rightWidth = textWidth(right) + 12;
  const width = leftWidth + rightWidth;
  const title = `${left}: ${right}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${xml(title)}">
<title>${xml(title)}</title>
<rect width="${leftWidth}" height="20" fill="#555"/>
<rect x="${leftWidth}" width="${rightWidth}" height="20" fill="${LOOK[status].color}"/>
<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">
<text x="${leftWidth / 2}" y="14">${xml(left)}</text>
<text x="${leftWidth + rightWidth / 2}" y="14">${xml(right)}</text>
</g>
</svg>
`;
}

function clip(text: string): string {
  // Control characters (and lone surrogates) are not XML 1.0 characters: a document with one does not parse at all.
  const clean = [...text.replace(/[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/g, '')].filter(
    (c) => !/[\ud800-\udfff]/.test(c),
  );
  return clean.length > MAX_LABEL ? `${clean.slice(0, MAX_LABEL - 1).join('')}…` : clean.join('');
}

/** Verdana 11 px averages about 7 px a character: close enough for a box around it. */
function textWidth(text: string): number {
  return Math.ceil([...text].length * 7);
}

function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
