import { parseFloeFile } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { matchComment, matchPullRequest, matchPush } from './match-github-triggers.js';

const { flows, diagnostics } = parseFloeFile(`flows:
  - id: any-push
    triggers:
      - id: push
        type: push
    tasks: [{ id: t, type: exec, listen: trigger.good, opts: { cmd: "true" } }]
  - id: release
    triggers:
      - id: push
        type: push
        opts: { branches: ["release/**"], tags: ["v*"] }
    tasks: [{ id: t, type: exec, listen: trigger.good, opts: { cmd: "true" } }]
  - id: docs
    triggers:
      - id: push
        type: git-push
        opts: { branches: [main], paths: ["docs/**"] }
      - id: pr
        type: pull-request
        opts: { branches: [main], types: [opened] }
    tasks: [{ id: t, type: exec, listen: trigger.good, opts: { cmd: "true" } }]
  - id: on-demand
    triggers:
      - id: ask
        type: comment
    tasks: [{ id: t, type: exec, listen: trigger.good, opts: { cmd: "true" } }]
`);

const ids = (matches: { flow: { id: string } }[] | undefined) => matches?.map((m) => m.flow.id);

describe('matchPush', () => {
  it('has a valid fixture', () => {
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it.each([
    ['refs/heads/main', ['README.md'], ['any-push']],
    ['refs/heads/main', ['docs/guide/intro.md'], ['any-push', 'docs']],
    ['refs/heads/main', undefined, ['any-push', 'docs']],
    ['refs/heads/release/1.2', ['a.ts'], ['any-push', 'release']],
    ['refs/tags/v1.0.0', ['a.ts'], ['any-push', 'release']],
    ['refs/tags/nightly', ['a.ts'], ['any-push']],
  ])('pushes to %s changing %j start %j', (ref, changedFiles, expected) => {
    expect(ids(matchPush(flows, { ref, ...(changedFiles ? { changedFiles } : {}) }))).toEqual(expected);
  });
});

describe('matchPullRequest', () => {
  it('matches base branch globs and the action', () => {
    expect(ids(matchPullRequest(flows, { action: 'opened', baseBranch: 'main' }))).toEqual(['docs']);
    expect(ids(matchPullRequest(flows, { action: 'synchronize', baseBranch: 'main' }))).toEqual([]);
    expect(ids(matchPullRequest(flows, { action: 'opened', baseBranch: 'dev' }))).toEqual([]);
  });
});

describe('matchComment', () => {
  it('starts every flow with a comment trigger when no flow is named', () => {
    expect(ids(matchComment(flows, undefined))).toEqual(['on-demand']);
  });

  it('starts a named flow that has a comment or pull-request trigger, and nothing else', () => {
    expect(ids(matchComment(flows, 'docs'))).toEqual(['docs']);
    expect(matchComment(flows, 'release')).toBeUndefined();
    expect(matchComment(flows, 'nope')).toBeUndefined();
  });
});
