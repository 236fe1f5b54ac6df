// Which flows a push or a pull request starts (DESIGN §3, §6): globs with `**` (DESIGN §8 "Formats").
import type { ResolvedFlow, ResolvedTrigger } from '@floe/shared';
import picomatch from 'picomatch';

export type PushFacts = {
  /** Full ref: `refs/heads/main`, `refs/tags/v1`. */
  ref: string;
  /** Files the pushed commits added, changed or removed; undefined when GitHub did not say (then paths match). */
  changedFiles?: string[];
};

export type PullRequestFacts = {
  action: string;
  /** The base branch's short name. */
  baseBranch: string;
};

export type FlowMatch = { flow: ResolvedFlow; trigger: ResolvedTrigger };

const globs = (patterns: string | string[]) => picomatch(patterns, { dot: true });

/** The first push trigger of each flow that matches the push (branch or tag, then paths). */
export function matchPush(flows: ResolvedFlow[], push: PushFacts): FlowMatch[] {
  const branch = push.ref.startsWith('refs/heads/') ? push.ref.slice('refs/heads/'.length) : undefined;
  const tag = push.ref.startsWith('refs/tags/') ? push.ref.slice('refs/tags/'.length) : undefined;
  const matches: FlowMatch[] = [];
  for (const flow of flows) {
    const trigger = flow.triggers.find((t) => {
      if (t.type !== 'push') return false;
      const { branches, tags, paths } = t.opts;
      // No filter at all: every branch and tag; `tags` alone: tags only; `branches` alone: branches only.
      const refOk =
        branches === undefined && tags === undefined
          ? true
          : branch !== undefined
            ? branches !== undefined && globs(branches)(branch)
            : tag !== undefined && tags !== undefined && globs(tags)(tag);
      if (!refOk) return false;
      if (paths === undefined || push.changedFiles === undefined) return true;
      const inPaths = globs(paths);
      return push.changedFiles.some((file) => inPaths(file));
    });
    if (trigger) matches.push({ flow, trigger });
  }
  return matches;
}

/** The first pull-request trigger of each flow whose base-branch globs and types match. */
export function matchPullRequest(flows: ResolvedFlow[], pr: PullRequestFacts): FlowMatch[] {
  const matches: FlowMatch[] = [];
  for (const flow of flows) {
    const trigger = flow.triggers.find(
      (t) =>
        t.type === 'pull-request' &&
        (t.opts.types as string[]).includes(pr.action) &&
        (t.opts.branches === undefined || globs(t.opts.branches)(pr.baseBranch)),
    );
    if (trigger) matches.push({ flow, trigger });
  }
  return matches;
}

/**
 * What `/floe run [flow]` starts (DESIGN §6): without a flow, every flow with a `comment` trigger; with one, that
 * flow when it has a `comment` or `pull-request` trigger. Undefined when the named flow cannot be run this way.
 */
export function matchComment(flows: ResolvedFlow[], flowId: string | undefined): FlowMatch[] | undefined {
  if (flowId === undefined) {
    return flows.flatMap((flow) => {
      const trigger = flow.triggers.find((t) => t.type === 'comment');
      return trigger ? [{ flow, trigger }] : [];
    });
  }
  const flow = flows.find((f) => f.id === flowId);
  const trigger =
    flow?.triggers.find((t) => t.type === 'comment') ?? flow?.triggers.find((t) => t.type === 'pull-request');
  return flow && trigger ? [{ flow, trigger }] : undefined;
}
