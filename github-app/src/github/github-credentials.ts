// The GitHub App's credentials from the hub's configuration (config.ts: APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH,
// WEBHOOK_SECRET, GITHUB_API_URL). Kept apart from mount-github.ts so that a standalone hub never loads Probot.

/** The App's credentials, as the configuration gives them (config.ts: APP_ID, PRIVATE_KEY…). */
export type GithubCredentials = {
  appId: string;
  /** The PEM text; `\n` escapes (as env files often hold them) are turned into newlines. */
  privateKey?: string | undefined;
  /** Read at start when `privateKey` is not given. */
  privateKeyPath?: string | undefined;
  webhookSecret: string;
  /** GITHUB_API_URL; default https://api.github.com (GitHub Enterprise: https://HOST/api/v3). */
  apiUrl?: string | undefined;
};

/**
 * The credentials from the configuration when all are set, undefined when none is (standalone), or a message
 * naming what is missing.
 */
export function githubCredentials(config: {
  appId?: string | undefined;
  privateKey?: string | undefined;
  privateKeyPath?: string | undefined;
  webhookSecret?: string | undefined;
  githubApiUrl?: string | undefined;
}): GithubCredentials | undefined | { error: string } {
  const { appId, privateKey, privateKeyPath, webhookSecret } = config;
  if (appId === undefined && privateKey === undefined && privateKeyPath === undefined && webhookSecret === undefined) {
    return undefined;
  }
  const missing = [
    appId === undefined ? 'APP_ID' : undefined,
    privateKey === undefined && privateKeyPath === undefined ? 'PRIVATE_KEY or PRIVATE_KEY_PATH' : undefined,
    webhookSecret === undefined ? 'WEBHOOK_SECRET' : undefined,
  ].filter(Boolean);
  if (missing.length > 0) {
    return { error: `the GitHub App needs ${missing.join(', ')} as well (or none of them, to run without GitHub)` };
  }
  return {
    appId: appId as string,
    privateKey,
    privateKeyPath,
    webhookSecret: webhookSecret as string,
    apiUrl: config.githubApiUrl ?? 'https://api.github.com',
  };
}
