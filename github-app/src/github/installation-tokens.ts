// Installation tokens, least privilege (docs/security.md): every token this hub asks GitHub for names the one
// repository it is for and the permissions it needs. The hub's own calls for a repository (reading FLOE.yaml,
// check runs, PR replies) share one such token per repository, renewed before it expires; a run gets a token of
// its own, minted for it, for its repository with `contents: read` only.
import type { ProbotOctokit } from 'probot';

type Octokit = InstanceType<typeof ProbotOctokit>;

/** What the hub itself does on a repository (github/*.ts): read code and metadata, check runs, PR comments. */
export const HUB_PERMISSIONS = {
  contents: 'read',
  metadata: 'read',
  checks: 'write',
  issues: 'write',
  pull_requests: 'read',
} as const;

/** What a run's checkout needs, and all it gets. */
export const RUN_PERMISSIONS = { contents: 'read' } as const;

export type TokenRequest = {
  installationId: number;
  /** `owner/name`; the token names `name` (GitHub takes repository names within the installation's account). */
  fullName: string;
  permissions: Record<string, 'read' | 'write'>;
  /** Mint a new token rather than reuse one still valid (a run's token is its own). */
  fresh?: boolean;
};

/** A token the hub keeps for its own calls is renewed this long before it expires. */
const RENEW_BEFORE_MS = 5 * 60 * 1000;

/**
 * Mints installation tokens with the App's JWT (Probot's `auth()` Octokit), asking GitHub for exactly one repository
 * and the given permissions. The hub's own tokens are kept until shortly before they expire; a run's is never kept.
 */
export class InstallationTokens {
  private readonly kept = new Map<string, Promise<{ token: string; expiresAt: number }>>();

  constructor(
    private readonly app: () => Promise<Octokit>,
    private readonly now: () => number = Date.now,
  ) {}

  async mint(request: TokenRequest): Promise<string> {
    const key = JSON.stringify([request.installationId, request.fullName, request.permissions]);
    if (!request.fresh) {
      const kept = await this.kept.get(key)?.catch(() => undefined);
      if (kept && kept.expiresAt - RENEW_BEFORE_MS > this.now()) return kept.token;
    }
    const minting = this.ask(request);
    if (!request.fresh) {
      this.kept.set(key, minting);
      minting.catch(() => this.kept.delete(key));
    }
    return (await minting).token;
  }

  private async ask(request: TokenRequest): Promise<{ token: string; expiresAt: number }> {
    const app = await this.app();
    const name = request.fullName.split('/')[1] ?? request.fullName;
    const { data } = await app.request('POST /app/installations/{installation_id}/access_tokens', {
      installation_id: request.installationId,
      repositories: [name],
      permissions: request.permissions,
    });
    return { token: data.token, expiresAt: Date.parse(data.expires_at) };
  }

  /**
   * An Octokit for the hub's own calls on one repository: every request carries a token for that repository with
   * HUB_PERMISSIONS (minted on first use, then reused while valid), never an installation-wide one.
   */
  async octokitFor(installationId: number, fullName: string): Promise<Octokit> {
    const app = await this.app();
    const mint = () => this.mint({ installationId, fullName, permissions: HUB_PERMISSIONS });
    const OctokitClass = app.constructor as new (options: Record<string, unknown>) => Octokit;
    return new OctokitClass({ authStrategy: repositoryAuth, auth: { mint } });
  }
}

type RequestLike = {
  (endpoint: unknown): Promise<unknown>;
  endpoint: { merge(route: unknown, parameters: unknown): { headers: Record<string, string> } };
};

/** An Octokit auth strategy (`authStrategy`) that puts a freshly looked-up repository token on every request. */
function repositoryAuth(options: { mint: () => Promise<string> }) {
  const auth = async () => ({ type: 'token', tokenType: 'installation', token: await options.mint() });
  return Object.assign(auth, {
    hook: async (request: RequestLike, route: unknown, parameters: unknown) => {
      const endpoint = request.endpoint.merge(route, parameters);
      endpoint.headers.authorization = `token ${await options.mint()}`;
      return request(endpoint);
    },
  });
}
