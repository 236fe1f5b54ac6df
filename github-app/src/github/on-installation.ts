import type { Probot } from 'probot';
import type { GithubAppParts } from './github-app-parts.js';

/** An installation (or repositories added to it): each repository becomes a source, its flows read. */
export function onInstallation(app: Probot, { hub, repos, firstDelivery }: GithubAppParts): void {
  app.on(['installation.created', 'installation_repositories.added'], async (context) => {
    if (!(await firstDelivery(context))) return;
    const payload = context.payload as {
      installation: { id: number };
      repositories?: { full_name: string }[];
      repositories_added?: { full_name: string }[];
    };
    for (const listed of payload.repositories ?? payload.repositories_added ?? []) {
      const [owner = '', repo = ''] = listed.full_name.split('/');
      const octokit = await repos.tokens.octokitFor(payload.installation.id, listed.full_name);
      const { data } = await octokit.rest.repos.get({ owner, repo });
      await repos.ensure(data, payload.installation.id);
      await hub.refreshRepos(data.full_name);
    }
  });
}
