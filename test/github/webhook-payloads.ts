// Real webhook payloads (@octokit/webhooks-examples) adapted to a repository of the fake GitHub: the fields the
// App reads are set to the test's values, the rest stay as GitHub sent them.
import { examplePayload, type FakeGithub, type FakeRepo } from './fake-github.js';

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (value && typeof value === 'object' ? (value as Json) : {});

function repository(repo: FakeRepo, example: Json): Json {
  const base = obj(example.repository);
  return {
    ...base,
    name: repo.name,
    full_name: repo.fullName,
    owner: { ...obj(base.owner), login: repo.owner, name: repo.owner },
    clone_url: repo.cloneUrl,
    private: repo.private,
    default_branch: repo.defaultBranch,
    master_branch: repo.defaultBranch,
  };
}

function adapt(fake: FakeGithub, repo: FakeRepo, example: Json, fields: Json): Json {
  return {
    ...example,
    repository: repository(repo, example),
    installation: { id: fake.installationId, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' },
    ...fields,
  };
}

export function pushEvent(
  fake: FakeGithub,
  repo: FakeRepo,
  push: { ref: string; after: string; message: string; changed?: string[] },
): Json {
  const example = examplePayload('push');
  const commit = {
    ...obj(example.head_commit),
    id: push.after,
    message: push.message,
    added: [],
    modified: push.changed ?? ['README.md'],
    removed: [],
  };
  return adapt(fake, repo, example, {
    ref: push.ref,
    before: '0'.repeat(40),
    after: push.after,
    created: false,
    deleted: false,
    head_commit: commit,
    commits: [commit],
  });
}

export function pullRequestEvent(
  fake: FakeGithub,
  repo: FakeRepo,
  pr: {
    action: 'opened' | 'synchronize' | 'reopened';
    number: number;
    headSha: string;
    fork: boolean;
    sender?: string;
  },
): Json {
  const example = examplePayload('pull_request', pr.action);
  const pull = obj(example.pull_request);
  const head = obj(pull.head);
  const headRepo = repository(repo, example);
  return adapt(fake, repo, example, {
    action: pr.action,
    number: pr.number,
    pull_request: {
      ...pull,
      number: pr.number,
      head: {
        ...head,
        sha: pr.headSha,
        ref: 'topic',
        repo: pr.fork
          ? {
              ...headRepo,
              full_name: `someone/${repo.name}`,
              owner: { login: 'someone' },
              clone_url: `${fake.gitUrl}/git/someone-${repo.name}.git`,
            }
          : headRepo,
      },
      base: { ...obj(pull.base), ref: repo.defaultBranch, repo: repository(repo, example) },
    },
    sender: { ...obj(example.sender), login: pr.sender ?? 'octocat', type: 'User' },
  });
}

/** An `issue_comment.created` on pull request `number` (the examples' comments are on plain issues). */
export function prCommentEvent(
  fake: FakeGithub,
  repo: FakeRepo,
  comment: { number: number; body: string; login: string; id?: number; type?: 'User' | 'Bot' },
): Json {
  const example = examplePayload('issue_comment', 'created');
  const issue = obj(example.issue);
  const user = { ...obj(obj(example.comment).user), login: comment.login, type: comment.type ?? 'User' };
  return adapt(fake, repo, example, {
    action: 'created',
    issue: {
      ...issue,
      number: comment.number,
      pull_request: { url: `https://api.github.invalid/repos/${repo.fullName}/pulls/${comment.number}` },
    },
    comment: { ...obj(example.comment), id: comment.id ?? 7000 + comment.number, body: comment.body, user },
    sender: user,
  });
}

export function checkRunRerequestedEvent(
  fake: FakeGithub,
  repo: FakeRepo,
  check: { id: number; externalId: string; headSha: string; name: string },
): Json {
  const example = examplePayload('check_run', 'rerequested');
  return adapt(fake, repo, example, {
    action: 'rerequested',
    check_run: {
      ...obj(example.check_run),
      id: check.id,
      external_id: check.externalId,
      head_sha: check.headSha,
      name: check.name,
    },
    sender: { ...obj(example.sender), login: 'octocat', type: 'User' },
  });
}

export function checkSuiteRerequestedEvent(fake: FakeGithub, repo: FakeRepo, suite: { headSha: string }): Json {
  const example = examplePayload('check_suite', 'rerequested');
  return adapt(fake, repo, example, {
    action: 'rerequested',
    check_suite: { ...obj(example.check_suite), head_sha: suite.headSha },
    sender: { ...obj(example.sender), login: 'octocat', type: 'User' },
  });
}
