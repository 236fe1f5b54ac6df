// The HTML page of the graph webviews (flow preview and run graph): SVG pictures styled with the editor's theme
// variables, node boxes coloured by state in a run. No script runs in it (Content-Security-Policy): it is a picture.

export interface GraphSection {
  title: string;
  svg: string;
}

export function graphPage(sections: readonly GraphSection[], options: { empty: string; note?: string }): string {
  const body = sections.map((section) => `<h2>${escapeHtml(section.title)}</h2>${section.svg}`).join('');
  const note = options.note ? `<p class="note">${escapeHtml(options.note)}</p>` : '';
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';">
<style>
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); }
h2 { font-size: 1.1em; font-weight: 600; }
svg { max-width: 100%; height: auto; }
.node rect { fill: var(--vscode-editor-background); stroke: var(--vscode-focusBorder); stroke-width: 1.5; }
.node.trigger rect { stroke: var(--vscode-charts-blue); }
.node.merge rect { stroke: var(--vscode-charts-purple); }
.node.end rect { stroke: var(--vscode-charts-green); }
.node.state-good rect { stroke: var(--vscode-testing-iconPassed); stroke-width: 2.5; }
.node.state-bad rect, .node.state-error rect { stroke: var(--vscode-testing-iconFailed); stroke-width: 2.5; }
.node.state-running rect { stroke: var(--vscode-charts-blue); stroke-width: 2.5; stroke-dasharray: 6 3; }
.node.state-awaiting-input rect { stroke: var(--vscode-charts-yellow); stroke-width: 2.5; }
.node.state-cancelled rect, .node.state-skipped rect, .node.state-waiting rect { stroke: var(--vscode-disabledForeground); }
text { fill: var(--vscode-foreground); text-anchor: middle; font-size: 12px; }
text.type { fill: var(--vscode-descriptionForeground); font-size: 10px; }
.edge { fill: none; stroke: var(--vscode-charts-green); stroke-width: 1.5; }
.edge.bad { stroke: var(--vscode-charts-red); stroke-dasharray: 4 3; }
.edge.status { stroke: var(--vscode-descriptionForeground); }
marker path { fill: var(--vscode-descriptionForeground); }
.note { color: var(--vscode-descriptionForeground); }
</style></head><body>${body || `<p class="note">${escapeHtml(options.empty)}</p>`}${note}</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch] as string);
}
