// Where the hub reads a repository's FLOE.yaml (DESIGN §4: a run's flow is resolved at its triggering commit).
// `--repo` gives local git sources (local-git-source.ts); GitHub installations will give sources that read
// through the API. Everything above (create-run, refresh-flows, triggers) sees only this interface.
import type { Trust } from '@floe/shared';

/** A commit a ref points at; `ref` is the full name (`refs/heads/feature/x`) when the input named a ref. */
export type ResolvedRef = { sha: string; ref?: string };

export interface RepoSource {
  /** `owner/name` for GitHub, the folder name (or the given name) for `--repo`. */
  readonly name: string;
  /** What runners clone from (a path serves only runners on the hub's machine; DESIGN §8 "Starting runs"). */
  readonly cloneUrl: string;
  /** The default branch and the commit it points at; undefined for an empty repository. */
  head(): Promise<{ ref: string; sha: string } | undefined>;
  /** A branch, tag, full ref or commit; undefined when the repository has no such thing. */
  resolveRef(ref: string): Promise<ResolvedRef | undefined>;
  /** A file's text at a commit; undefined when the file is not there. */
  readFile(sha: string, path: string): Promise<string | undefined>;
  /**
   * Whether one of the repository's own branches or tags holds the commit (docs/security.md: a run named by a bare
   * commit is trusted only then). Absent: never.
   */
  holdsCommit?(sha: string): Promise<boolean>;
  /**
   * A credential minted for one run (RunSpec.token): GitHub installation tokens for this one repository with
   * `contents: read`; none for an untrusted run of a public repository. Default none.
   */
  cloneToken?(run: { trust: Trust }): Promise<string | undefined>;
}
