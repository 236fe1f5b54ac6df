import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRepo, tempDir } from '../testing/test-repo.js';
import { LocalGitSource } from './local-git-source.js';
import { readFlowsAt } from './read-flows-at.js';

const { dir, cleanup } = tempDir('floe-flows-at-');
afterAll(cleanup);

const FLOE = `flows:
  - id: build
    flow-file: flows/build.yaml
    triggers:
      - id: form
        type: data
        opts: {form: {fields: [{id: size, type: number}]}}
  - id: broken
    tasks:
      - {id: a, type: exec, lisen: trigger.good, opts: {cmd: x}}
  - id: simple
    tasks:
      - {id: hi, type: exec, listen: trigger.good, opts: {cmd: echo hi}}
  - id: remote
    flow-file: https://flows.example.com/remote.yaml
`;
const BUILD = `id: from-file
resource-tags: [db]
tasks:
  - {id: compile, type: exec, listen: trigger.good, opts: {cmd: make}}
`;

describe('readFlowsAt', () => {
  const repo = makeRepo(dir, 'acme', { 'FLOE.yaml': FLOE, 'flows/build.yaml': BUILD });
  const sha = repo.commit({}, 'same');
  const source = new LocalGitSource({ name: 'acme', url: repo.path, mirrorsDir: path.join(dir, 'm') });
  const fetched: string[] = [];
  const fetchText = async (url: string) => {
    fetched.push(url);
    return 'name: Remote flow\ntasks:\n  - {id: r, type: exec, listen: trigger.good, opts: {cmd: r}}\n';
  };

  it('blocks only the flow with an error, and says where it is', async () => {
    const read = await readFlowsAt(source, sha, { fetchText });
    expect(read.found).toBe(true);
    const broken = read.flows.find((flow) => flow.id === 'broken');
    expect(broken?.flow).toBeUndefined();
    expect(broken?.errors.join('\n')).toMatch(/^FLOE\.yaml:10:\d+: .*lisen/m);
    expect(read.flows.find((flow) => flow.id === 'simple')?.flow?.tasks.map((t) => t.id)).toEqual(['hi']);
  });

  it('takes the tasks and resource tags of a flow-file at the same commit, keeping id and triggers', async () => {
    const read = await readFlowsAt(source, sha, { fetchText });
    const build = read.flows.find((flow) => flow.id === 'build');
    expect(build?.errors).toEqual([]);
    expect(build?.flow).toMatchObject({ id: 'build', 'resource-tags': ['db'] });
    expect(build?.flow?.tasks.map((t) => t.id)).toEqual(['compile']);
    expect(build?.flow?.triggers.map((t) => t.id)).toEqual(['form']);
  });

  it('fetches an https flow-file', async () => {
    const read = await readFlowsAt(source, sha, { fetchText });
    expect(fetched).toContain('https://flows.example.com/remote.yaml');
    expect(read.flows.find((flow) => flow.id === 'remote')?.flow?.tasks.map((t) => t.id)).toEqual(['r']);
  });

  it('refuses a flow whose flow-file is missing at that commit', async () => {
    const moved = repo.commit({ 'FLOE.yaml': FLOE.replace('flows/build.yaml', 'flows/gone.yaml') });
    const read = await readFlowsAt(source, moved, { fetchText });
    expect(read.flows.find((flow) => flow.id === 'build')?.errors).toEqual([
      `FLOE.yaml: flow-file flows/gone.yaml is not in the repository at ${moved.slice(0, 7)}`,
    ]);
  });

  it('says when the commit has no FLOE.yaml', async () => {
    const bare = makeRepo(dir, 'nofile', { 'README.md': 'hi' });
    const src = new LocalGitSource({ name: 'n', url: bare.path, mirrorsDir: dir });
    const head = await src.head();
    expect(await readFlowsAt(src, head?.sha as string)).toEqual({ found: false, flows: [], fileErrors: [] });
  });
});
