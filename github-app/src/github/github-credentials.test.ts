import { describe, expect, it } from 'vitest';
import { githubCredentials } from './github-credentials.js';

describe('githubCredentials', () => {
  it('is undefined without any App setting: the hub runs standalone', () => {
    expect(githubCredentials({ githubApiUrl: 'https://api.github.com' })).toBeUndefined();
  });

  it('takes the key itself or a path to it, and defaults the API URL to github.com', () => {
    expect(githubCredentials({ appId: '7', privateKeyPath: '/k.pem', webhookSecret: 's' })).toEqual({
      appId: '7',
      privateKey: undefined,
      privateKeyPath: '/k.pem',
      webhookSecret: 's',
      apiUrl: 'https://api.github.com',
    });
    expect(
      githubCredentials({ appId: '7', privateKey: 'PEM', webhookSecret: 's', githubApiUrl: 'https://ghe/api/v3' }),
    ).toMatchObject({ privateKey: 'PEM', apiUrl: 'https://ghe/api/v3' });
  });

  it('names what is missing when only some settings are given', () => {
    expect(githubCredentials({ webhookSecret: 's' })).toEqual({
      error:
        'the GitHub App needs APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH as well (or none of them, to run without GitHub)',
    });
  });
});
