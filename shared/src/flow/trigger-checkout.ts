// What the original floe handed its git-checkout through `trigger.good`: it merged the opts of the trigger that started
// a run (and a data trigger's form values) into that event, and a git-checkout listening to it took `url` and `branch`
// from there unless it set its own (docs/floe-yaml.md "Coming from floe"). Kept as a mapping: the runner's git-checkout
// asks this function, so a hub run and `floe run` check out the same repository and branch.
import type { ResolvedFlow, ResolvedTrigger } from './flow-schema.js';

/**
 * The trigger that started a run: the one named `id`, else (a person's start, `floe run`) the flow's first `data`
 * trigger, as the original chose for a data push and as the start form is chosen.
 */
export function firedTrigger(flow: ResolvedFlow, id: string | undefined): ResolvedTrigger | undefined {
  if (id !== undefined) return flow.triggers.find((trigger) => trigger.id === id);
  return flow.triggers.find((trigger) => trigger.type === 'data');
}

/**
 * The repository and branch the started trigger carries for git-checkout tasks listening to `trigger.good`:
 * `url` of a data, timer or poll-git trigger; `branch` of a data or timer trigger, where a data trigger's form
 * value `branch` wins (the original's event opts: the trigger's opts, overridden by the form's values).
 */
export function triggerCheckout(
  flow: ResolvedFlow,
  triggerId: string | undefined,
  data: Record<string, string>,
): { url?: string; ref?: string } {
  const trigger = firedTrigger(flow, triggerId);
  if (!trigger) return {};
  switch (trigger.type) {
    case 'data': {
      const ref = data.branch || trigger.opts.branch;
      return { ...(trigger.opts.url ? { url: trigger.opts.url } : {}), ...(ref ? { ref } : {}) };
    }
    case 'timer':
      return {
        ...(trigger.opts.url ? { url: trigger.opts.url } : {}),
        ...(trigger.opts.branch ? { ref: trigger.opts.branch } : {}),
      };
    case 'poll-git':
      return { url: trigger.opts.url };
    default:
      return {};
  }
}

/** The directory `git clone <url>` makes: the last path segment without `.git` (`…/floe.git` → `floe`). */
export function repoName(url: string): string {
  const path = url.replace(/[?#].*$/, '').replace(/[/\\]+$/, '');
  const last = path.split(/[/\\:]/).at(-1) ?? '';
  return last.replace(/\.git$/, '') || 'repo';
}
