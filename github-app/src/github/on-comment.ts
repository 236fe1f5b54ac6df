import type { Logger } from 'pino';
import type { Context, Probot } from 'probot';
import type { GithubAppParts } from './github-app-parts.js';
import type { GithubRepoSource } from './github-repo-source.js';
import type { RepositoryPayload } from './github-repos.js';
import { flowsAt, githubUser, latestPerFlow, retryRuns, startRuns } from './github-runs.js';
import { matchComment } from './match-github-triggers.js';
import { FLOE_HELP, type FloeCommand, parseFloeCommand } from './parse-floe-command.js';

/** Permissions that may use `/floe` commands (DESIGN §6: write access). */
const WRITERS = new Set(['admin', 'maintain', 'write']);

/**
 * `/floe run|cancel|retry|help` in a pull request comment, from someone with write access; answered with a comment
 * (and a rocket when something was done). `/floe run` pins the head commit now; from a fork the run is untrusted.
 */
export function onComment(app: Probot, parts: GithubAppParts): void {
  const { firstDelivery, sourceOf } = parts;
  app.on('issue_comment.created', async (context) => {
    const { payload } = context;
    // Only pull request comments by people, and only `/floe …` ones.
    if (!payload.issue.pull_request || payload.comment.user?.type === 'Bot') return;
    const command = parseFloeCommand(payload.comment.body);
    if (!command) return;
    if (!(await firstDelivery(context))) return;
    const source = await sourceOf(context, payload.repository as RepositoryPayload);
    const octokit = await source.octokit();
    const login = payload.comment.user?.login ?? 'unknown';
    const log = context.log.child({ repo: source.name, pr: payload.issue.number, by: login });
    const reply = (body: string) => octokit.rest.issues.createComment(context.issue({ body }));
    if (command.kind === 'help') {
      await reply(`${command.problem ? `${command.problem}.\n\n` : ''}${FLOE_HELP}`);
      return;
    }
    const permission = await permissionOf(octokit, context, login);
    if (!WRITERS.has(permission)) {
      log.info({ permission }, 'floe command refused');
      await reply(
        `@${login} \`/floe ${command.kind}\` needs write access to this repository (you have ${permission}); nothing was started.`,
      );
      return;
    }
    const answer = await runCommand(parts, context, source, command, login, log);
    if (answer.accepted) {
      await octokit.rest.reactions.createForIssueComment(
        context.repo({ comment_id: payload.comment.id, content: 'rocket' as const }),
      );
    }
    await reply(answer.text);
  });
}

async function runCommand(
  { hub, link }: GithubAppParts,
  context: Context<'issue_comment.created'>,
  source: GithubRepoSource,
  command: Exclude<FloeCommand, { kind: 'help' }>,
  login: string,
  log: Logger,
): Promise<{ accepted: boolean; text: string }> {
  const number = context.payload.issue.number;
  const ref = `refs/pull/${number}/head`;
  if (command.kind === 'run') {
    // Pinned to the head commit now (DESIGN §6); from a fork, it is in the base repository under refs/pull/N/head.
    const octokit = await source.octokit();
    const { data: pr } = await octokit.rest.pulls.get(context.repo({ pull_number: number }));
    const flows = await flowsAt(source, pr.head.sha, log);
    const matches = matchComment(flows, command.flowId);
    if (!matches || matches.length === 0) {
      const runnable = flows.filter((f) => f.triggers.some((t) => t.type === 'comment' || t.type === 'pull-request'));
      return {
        accepted: false,
        text: `${command.flowId ? `No flow \`${command.flowId}\` can be run from a comment` : 'No flow has a `comment` trigger'} at ${pr.head.sha.slice(0, 7)}${runnable.length ? `; try ${runnable.map((f) => `\`/floe run ${f.id}\``).join(', ')}` : ''}.`,
      };
    }
    const { started, problems } = await startRuns(hub, source, matches, {
      ref,
      sha: pr.head.sha,
      trigger: 'comment',
      by: login,
      data: command.data,
      ...(pr.head.repo?.full_name !== context.payload.repository.full_name
        ? { fork: { ...(pr.head.repo?.clone_url ? { cloneUrl: pr.head.repo.clone_url } : {}) } }
        : {}),
      baseRef: pr.base.ref,
      log,
    });
    const lines = [
      ...started.map(
        (run) => `Started [run #${run.number} of ${run.flowId}](${link(run.id)}) at ${pr.head.sha.slice(0, 7)}.`,
      ),
      ...problems.map((p) => `Could not start: ${p}`),
    ];
    return { accepted: started.length > 0, text: lines.join('\n') };
  }
  const runs = (await hub.store.listRuns({ repo: source.name, ref, limit: 500 })).runs;
  if (command.kind === 'cancel') {
    const targets = runs.filter(
      (run) => (command.number === undefined ? true : run.number === command.number) && run.state !== 'archived',
    );
    if (targets.length === 0) return { accepted: false, text: 'No run of this pull request is going on to cancel.' };
    for (const run of targets) await hub.cancelRun(run.id, githubUser(login));
    return {
      accepted: true,
      text: targets.map((run) => `Cancelling [run #${run.number} of ${run.flowId}](${link(run.id)}).`).join('\n'),
    };
  }
  const chosen = latestPerFlow(
    runs.filter((run) => (command.number === undefined ? true : run.number === command.number)),
  );
  if (chosen.length === 0) return { accepted: false, text: 'This pull request has no run to retry.' };
  const retried = await retryRuns(hub, chosen, githubUser(login), log);
  return {
    accepted: retried.length > 0,
    text: retried.length
      ? retried
          .map(({ from, to }) => `Retrying run #${from.number} of ${from.flowId}: [run #${to.number}](${link(to.id)}).`)
          .join('\n')
      : 'Could not retry; see the hub log.',
  };
}

/** The user's permission on the repository, asked through the API (DESIGN §6), `none` when not a collaborator. */
async function permissionOf(
  octokit: Awaited<ReturnType<GithubRepoSource['octokit']>>,
  context: Context<'issue_comment.created'>,
  username: string,
): Promise<string> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel(context.repo({ username }));
    return data.role_name && WRITERS.has(data.role_name) ? data.role_name : data.permission;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return 'none';
    throw err;
  }
}
