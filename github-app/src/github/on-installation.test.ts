import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { examplePayload, FakeGithub } from '../../../test/github/fake-github.js';
import { type GithubHarness, startGithubHarness } from '../../../test/github/github-harness.js';

const flowsYaml = (id: string) =>
  `flows:\n  - id: ${id}\n    tasks:\n      - {id: say, type: exec, listen: trigger.good, opts: {shell: echo hi}}\n`;

describe('onInstallation', () => {
  let fake: FakeGithub;
  let h: GithubHarness;
  beforeAll(async () => {
    fake = await FakeGithub.start();
    h = await startGithubHarness(fake);
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });
  afterEach(() => expect(fake.failures).toEqual([]));

  const flowsOf = async (repo: string) =>
    (await h.hub.flows())
      .filter((flow) => flow.repo === repo)
      .map((flow) => flow.id)
      .sort();

  function installed(event: 'installation' | 'installation_repositories', id: string, names: string[]) {
    const example = examplePayload(event, event === 'installation' ? 'created' : 'added');
    const listed = names.map((name, i) => ({
      id: 10 + i,
      node_id: `R_${i}`,
      name,
      full_name: `acme/${name}`,
      private: false,
    }));
    return h.deliver({
      id,
      event,
      payload: {
        ...example,
        installation: { ...(example.installation as object), id: fake.installationId },
        ...(event === 'installation' ? { repositories: listed } : { repositories_added: listed }),
      },
    });
  }

  it('reads the flows of every repository the App is installed on', async () => {
    fake.createRepo('acme/one', { 'FLOE.yaml': flowsYaml('first') });
    fake.createRepo('acme/two', { 'FLOE.yaml': flowsYaml('second') });
    expect((await installed('installation', 'install-1', ['one', 'two'])).status).toBe(200);
    expect(await flowsOf('acme/one')).toEqual(['first']);
    expect(await flowsOf('acme/two')).toEqual(['second']);
  });

  it('reads the flows of a repository added to the installation later', async () => {
    fake.createRepo('acme/three', { 'FLOE.yaml': flowsYaml('third') });
    expect((await installed('installation_repositories', 'added-1', ['three'])).status).toBe(200);
    expect(await flowsOf('acme/three')).toEqual(['third']);
  });
});
