import DOMPurify from 'dompurify';
import { css, html, LitElement } from 'lit';
import { unsafeHTML } from 'lit/directives/unsafe-html.js';
import { Marked } from 'marked';
import { sharedStyles } from '../shared-styles.js';

/**
 * Markdown a task wrote (its `$FLOE_SUMMARY`), shown safely: `marked` turns it into HTML, which DOMPurify cleans
 * before it reaches the page. What a hostile summary could use is taken out, not escaped: scripts, event handlers,
 * `javascript:` and other non-web links, frames, forms, SVG and MathML, inline styles (the dashboard's CSP refuses
 * them, docs/security.md "HTTP headers") and images (the CSP loads none from other hosts). Links open in a new tab
 * without an opener.
 */
export class FloeMarkdown extends LitElement {
  static override properties = { markdown: {} };
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        overflow-wrap: anywhere;
      }
      table {
        border-collapse: collapse;
      }
      th,
      td {
        border: 1px solid var(--floe-border, #ccc);
        padding: 0.2rem 0.5rem;
      }
      pre {
        overflow: auto;
      }
    `,
  ];
  declare markdown: string;

  constructor() {
    super();
    this.markdown = '';
  }

  override render() {
    return html`${unsafeHTML(renderMarkdown(this.markdown))}`;
  }
}

const marked = new Marked({ gfm: true, async: false });

const purify = DOMPurify();
purify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

/** Markdown as clean HTML (see FloeMarkdown). */
export function renderMarkdown(markdown: string): string {
  const raw = marked.parse(markdown) as string;
  return purify.sanitize(raw, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: [
      'style',
      'img',
      'form',
      'input',
      'button',
      'textarea',
      'select',
      'iframe',
      'object',
      'embed',
      'video',
      'audio',
      'source',
      'picture',
      'link',
      'meta',
      'base',
    ],
    FORBID_ATTR: ['style', 'srcset', 'action', 'formaction', 'background', 'ping'],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#|\/(?!\/))/i,
  });
}

customElements.define('floe-markdown', FloeMarkdown);
declare global {
  interface HTMLElementTagNameMap {
    'floe-markdown': FloeMarkdown;
  }
}
