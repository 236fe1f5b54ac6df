// Keys that only the original floe knew are accepted with a warning that says what happens to them, never an
// error (DESIGN §8 "Options"): a file the original accepted must still parse here to the same meaning.
import type { Diagnostic } from './diagnostic.js';
import type { diagnosticMaker } from './flow-source.js';

type Make = ReturnType<typeof diagnosticMaker>;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const COMMON_HINTS: Record<string, string> = {
  hosts: 'runners connect to the hub instead (`floe runner start`)',
  'base-url': "the hub's address is its --public-url",
  'config-path': 'the hub reads FLOE.yaml from each repository',
  'store-type': 'the hub keeps runs in its own database',
  'store-root': 'the hub keeps runs in its own database',
  'workspace-root': 'each runner chooses its workspace folder (--work-dir)',
  'git-key': 'runners use their own git credentials',
  'key-file': 'runners use their own git credentials',
};

/** Warnings for the `common:` section, which is ignored as a whole; `make` locates paths from the document root. */
export function commonDiagnostics(common: unknown, make: Make): Diagnostic[] {
  if (common === null || common === undefined) return [];
  if (!isRecord(common)) {
    return [
      make(
        'legacy-key-ignored',
        '`common:` is a section of the original floe server; it is ignored.',
        ['common'],
        'key',
      ),
    ];
  }
  return Object.keys(common).map((key) =>
    key in COMMON_HINTS
      ? make(
          'legacy-key-ignored',
          `\`common: ${key}\` is a setting of the original floe server; it is ignored.`,
          ['common', key],
          'key',
          COMMON_HINTS[key],
        )
      : make(
          'legacy-key-ignored',
          `\`common: ${key}\` is not a setting even the original floe knew; it is ignored.`,
          ['common', key],
          'key',
        ),
  );
}

/** Warnings for the original's keys and types inside one flow; `make` locates paths relative to the flow. */
export function legacyDiagnostics(flow: unknown, make: Make): Diagnostic[] {
  if (!isRecord(flow)) return [];
  const out: Diagnostic[] = [];
  const each = (
    section: string,
    visit: (node: Record<string, unknown>, opts: Record<string, unknown>, index: number) => void,
  ) => {
    const nodes = flow[section];
    if (!Array.isArray(nodes)) return;
    nodes.forEach((node, index) => {
      if (isRecord(node)) visit(node, isRecord(node.opts) ? node.opts : {}, index);
    });
  };
  each('triggers', (node, opts, index) => {
    const at = ['triggers', index];
    if (node.type === 'git-push') {
      out.push(
        make(
          'legacy-key-mapped',
          'Trigger type `git-push` is the old name of `push`; it runs as `push`.',
          [...at, 'type'],
          'value',
          'write `type: push`',
        ),
      );
    }
    if ((node.type === 'push' || node.type === 'git-push') && 'url' in opts) {
      out.push(
        make(
          'legacy-key-ignored',
          'A push trigger ignores `url`: it fires for pushes to the repository that holds this file.',
          [...at, 'opts', 'url'],
          'key',
        ),
      );
    }
    if (node.type === 'poll-git' && 'exclude-refs' in opts) {
      out.push(
        make(
          'legacy-key-ignored',
          '`exclude-refs` is ignored (the original floe ignored it too).',
          [...at, 'opts', 'exclude-refs'],
          'key',
          'use `exclude` (a regular expression of refs)',
        ),
      );
    }
  });
  each('tasks', (node, opts, index) => {
    const at = ['tasks', index];
    if (node.class === 'merge') return;
    if (node.type === 'git-merge') {
      out.push(
        make(
          'legacy-key-mapped',
          'Task type `git-merge` was a stub in the original floe; it runs as `git-checkout`.',
          [...at, 'type'],
          'value',
          'write `type: git-checkout`',
        ),
      );
    }
    if (node.type !== 'git-checkout' && node.type !== 'git-merge') return;
    if ('branch' in opts) {
      const message =
        'ref' in opts
          ? '`branch` is the old name of `ref`, and `ref` is also given: `branch` is ignored.'
          : '`branch` is the old name of `ref`; it is used as `ref`.';
      out.push(make('legacy-key-mapped', message, [...at, 'opts', 'branch'], 'key', 'write `ref:`'));
    }
    if ('key-file' in opts) {
      out.push(
        make(
          'legacy-key-ignored',
          '`key-file` is ignored: the runner uses its own git credentials.',
          [...at, 'opts', 'key-file'],
          'key',
        ),
      );
    }
    for (const key of ['hash', 'from-branch']) {
      if (key in opts) {
        out.push(
          make(
            'legacy-key-ignored',
            `\`${key}\` is ignored (the original floe ignored it too).`,
            [...at, 'opts', key],
            'key',
            key === 'hash' ? 'use `ref` to check out a commit' : undefined,
          ),
        );
      }
    }
  });
  return out;
}
