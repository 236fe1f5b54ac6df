// Findings for flows that rely on what the original floe did where floe keeps or maps it differently (the
// "Coming from floe" section of docs/floe-yaml.md): each says what happens here, and what the original did.
import type { Diagnostic } from './diagnostic.js';
import { TRIGGER_GOOD } from './event-tags.js';
import type { ResolvedFlow, ResolvedTask } from './flow-schema.js';
import type { diagnosticMaker } from './flow-source.js';
import { repoName } from './trigger-checkout.js';

type Make = ReturnType<typeof diagnosticMaker>;
type Checkout = Extract<ResolvedTask, { type: 'git-checkout' | 'git-merge' }>;

export function lintComingFromFloe(flow: ResolvedFlow, make: Make, out: Diagnostic[]): void {
  const checkouts = flow.tasks
    .map((node, index) => ({ node, index }))
    .filter(
      (entry): entry is { node: Checkout; index: number } =>
        entry.node.class !== 'merge' && (entry.node.type === 'git-checkout' || entry.node.type === 'git-merge'),
    );
  const onTrigger = checkouts.filter(({ node }) => node.listen === TRIGGER_GOOD);
  const takesUrl = onTrigger.filter(({ node }) => node.opts?.url === undefined);
  const takesRef = onTrigger.filter(({ node }) => node.opts?.ref === undefined);
  const names = (list: typeof onTrigger) => list.map(({ node }) => `\`${node.id}\``).join(', ');
  // The tasks may live in a flow-file: then nothing here can tell whether a trigger's url is used.
  const unknownTasks = flow['flow-file'] !== undefined && flow.tasks.length === 0;

  const triggerUrls: string[] = [];
  flow.triggers.forEach((trigger, index) => {
    if (trigger.type !== 'data' && trigger.type !== 'timer') {
      if (trigger.type === 'poll-git') triggerUrls.push(trigger.opts.url);
      return;
    }
    const at = ['triggers', index, 'opts'];
    if (trigger.opts.url !== undefined) {
      triggerUrls.push(trigger.opts.url);
      const used = takesUrl.length > 0 ? `git-checkout ${names(takesUrl)} checks it out` : undefined;
      out.push(
        make(
          'trigger-checkout-opts',
          `\`url\` of trigger \`${trigger.id}\` reaches git-checkout tasks listening to \`trigger.good\` that set no \`url\`, as the original merged a trigger's opts into \`trigger.good\`: ${used ?? (unknownTasks ? 'those of the flow-file' : 'this flow has none, so it is unused')}.`,
          [...at, 'url'],
          'key',
          'set `url` on the git-checkout task to check out the same repository whatever starts the run',
        ),
      );
    }
    if (trigger.opts.branch !== undefined) {
      const used = takesRef.length > 0 ? `git-checkout ${names(takesRef)} checks it out` : undefined;
      out.push(
        make(
          'trigger-checkout-opts',
          `\`branch\` of trigger \`${trigger.id}\` is the ref of git-checkout tasks listening to \`trigger.good\` that set no \`ref\` (the original's trigger.good opts): ${used ?? (unknownTasks ? 'those of the flow-file' : 'this flow has none, so it is unused')}.`,
          [...at, 'branch'],
          'key',
          'set `ref` on the git-checkout task',
        ),
      );
    }
    if (trigger.type === 'data' && takesRef.length > 0) {
      trigger.opts.form?.fields.forEach((field, i) => {
        if (field.id !== 'branch') return;
        out.push(
          make(
            'trigger-checkout-opts',
            `The form value \`branch\` is the ref that git-checkout ${names(takesRef)} checks out, as in the original (it is also FLOE_DATA_BRANCH).`,
            [...at, 'form', 'fields', i, 'id'],
            'value',
          ),
        );
      });
    }
  });

  for (const { node, index } of checkouts) {
    const subDir = node.opts?.['sub-dir'];
    if (!subDir) continue;
    const url = node.opts?.url ?? (node.listen === TRIGGER_GOOD ? triggerUrls[0] : undefined);
    if (url === undefined) continue;
    const into = `${subDir.replace(/\/+$/, '')}/${repoName(url)}`;
    out.push(
      make(
        'checkout-repo-dir',
        `Task \`${node.id}\` clones ${node.opts?.url !== undefined ? `\`${url}\`` : "the trigger's repository"} into \`${into}\`: a repository named by \`url\` or by a trigger goes into \`<sub-dir>/<repository name>\`, as the original's \`git clone\` did.`,
        ['tasks', index, 'opts', 'sub-dir'],
        'value',
        "the run's own repository (no `url` anywhere) goes into `sub-dir` itself",
      ),
    );
  }

  const listShaped = Array.isArray(flow.env);
  flow.tasks.forEach((node, index) => {
    if (node.class === 'merge') return;
    if (node.type === 'exec') {
      const { cmd, args, env } = node.opts;
      if (listShaped && Array.isArray(env)) {
        out.push(
          make(
            'task-env-merged',
            `Task \`${node.id}\` sees the flow's \`env\` under its own; the original gave a task with its own \`env\` only that.`,
            ['tasks', index, 'opts', 'env'],
            'key',
          ),
        );
      }
      if (cmd !== undefined) {
        const words = [cmd, ...(args ?? [])];
        const variable = words.map((word) => /\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/.exec(word)?.[0]).find(Boolean);
        if (variable) {
          out.push(
            make(
              'cmd-dollar',
              `\`${variable}\` in \`cmd\` reaches the program as written: no shell expands it (the original replaced it from its server's environment).`,
              ['tasks', index, 'opts', args?.some((arg) => arg.includes(variable)) ? 'args' : 'cmd'],
              'value',
              'use `shell:` to have bash expand it from the task environment',
            ),
          );
        }
      }
    }
    if (node.type === 'fetch' && node.opts.url !== undefined && !/^https?:\/\//i.test(node.opts.url)) {
      out.push(
        make(
          'fetch-url-scheme',
          `fetch downloads http:// and https:// URLs only; \`${node.opts.url}\` ends the task with an error (the original crashed on a file:// fetch).`,
          ['tasks', index, 'opts', 'url'],
        ),
      );
    }
  });
}
