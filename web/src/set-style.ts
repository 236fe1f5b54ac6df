// The dashboard's Content-Security-Policy allows no inline style (docs/security.md "HTTP headers"): a `style="…"`
// attribute in a template, or one set with setAttribute (what Lit's styleMap does on its first render), is refused
// by the browser. Properties set through the CSSOM (`element.style.setProperty`) are not inline markup and pass.
import { noChange } from 'lit';
import { Directive, directive, type ElementPart, type PartInfo, PartType } from 'lit/directive.js';

/** CSS properties by their CSS names (`background-color`); undefined removes one. */
export type StyleProperties = Record<string, string | undefined>;

class SetStyleDirective extends Directive {
  private previous = new Set<string>();

  constructor(part: PartInfo) {
    super(part);
    if (part.type !== PartType.ELEMENT)
      throw new Error('setStyle is an element directive: put it inside the tag, not in an attribute');
  }

  render(_properties: StyleProperties) {
    return noChange;
  }

  override update(part: ElementPart, [properties]: [StyleProperties]) {
    const style = (part.element as HTMLElement).style;
    for (const name of this.previous) if (properties[name] === undefined) style.removeProperty(name);
    this.previous = new Set();
    for (const [name, value] of Object.entries(properties)) {
      if (value === undefined) continue;
      style.setProperty(name, value);
      this.previous.add(name);
    }
    return noChange;
  }
}

/** Sets an element's style properties through the CSSOM, which a strict style-src allows (see above). */
export const setStyle = directive(SetStyleDirective);
