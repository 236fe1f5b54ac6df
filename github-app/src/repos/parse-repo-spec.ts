import path from 'node:path';

/** A repository as given to `--repo`: a path or URL, with the name flows are known by. */
export type RepoSpec = { name: string; url: string };

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\/|^[\w.-]+@[\w.-]+:/i;

/** True when `url` names a remote (`https://…`, `ssh://…`, `git@host:path`), not a local path. */
export function isRemoteUrl(url: string): boolean {
  return URL_LIKE.test(url);
}

/**
 * `--repo PATH`, `--repo URL` or `--repo name=PATH|URL` (DESIGN §8 "Starting runs"). Without a name, the name is
 * the folder's (or the URL's last part), without `.git`. A local path is made absolute (runners clone from it).
 * Returns a sentence when the value cannot name a repository.
 */
export function parseRepoSpec(value: string, cwd: string = process.cwd()): RepoSpec | { error: string } {
  const text = value.trim();
  const eq = text.indexOf('=');
  // `name=…` only when what precedes `=` can be a name: paths and URLs may hold `=` too.
  const named = eq > 0 && /^[\w.-]+$/.test(text.slice(0, eq));
  const name = named ? text.slice(0, eq) : undefined;
  const where = named ? text.slice(eq + 1) : text;
  if (where === '') return { error: `--repo ${value}: give a path or URL of a git repository` };
  const url = isRemoteUrl(where) ? where : path.resolve(cwd, where);
  const bare = url
    .replace(/[?#].*$/, '')
    .replace(/[/\\]+$/, '')
    .replace(/^.*:/, '');
  const derived = (name ?? path.basename(bare)).replace(/\.git$/, '');
  if (!/^[\w.-]+$/.test(derived) || derived === '.' || derived === '..') {
    return { error: `--repo ${value}: cannot take a name from it; write --repo NAME=${where}` };
  }
  return { name: derived, url };
}
