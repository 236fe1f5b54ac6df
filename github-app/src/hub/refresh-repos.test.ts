import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalGitSource } from '../repos/local-git-source.js';
import { readFlowsAt } from '../repos/read-flows-at.js';
import type { RepoSource } from '../repos/repo-source.js';
import { RepoSources } from '../repos/repo-sources.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { makeRepo, tempDir } from '../testing/test-repo.js';
import { refreshRepos } from './refresh-repos.js';

const flowsYaml = (...ids: string[]) =>
  `flows:\n${ids.map((id) => `  - id: ${id}\n    tasks:\n      - {id: a, type: exec, listen: trigger.good, opts: {cmd: x}}\n`).join('')}`;

describe('refreshRepos', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  afterEach(async () => {
    await store.close();
    tmp.cleanup();
  });

  function setUp() {
    tmp = tempDir('floe-refresh-');
    store = openSqliteStore({ file: path.join(tmp.dir, 'floe.db') });
    const acme = makeRepo(tmp.dir, 'acme', { 'FLOE.yaml': flowsYaml('build') });
    const tools = makeRepo(tmp.dir, 'tools', { 'FLOE.yaml': flowsYaml('lint') });
    const mirrorsDir = path.join(tmp.dir, 'mirrors');
    const sources = new RepoSources([
      new LocalGitSource({ name: 'gone', url: path.join(tmp.dir, 'no-such-repo'), mirrorsDir }),
      new LocalGitSource({ name: 'acme', url: acme.path, mirrorsDir }),
      new LocalGitSource({ name: 'tools', url: tools.path, mirrorsDir }),
    ]);
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    const deps = {
      store,
      sources,
      now: Date.now,
      readFlows: (source: RepoSource, sha: string) => readFlowsAt(source, sha),
      log: pino(sink),
    };
    let synced = 0;
    const afterRead = async () => {
      synced += 1;
    };
    return { acme, deps, lines, afterRead, synced: () => synced };
  }

  const flowIds = async () => (await store.listFlows()).map((flow) => `${flow.repo}/${flow.id}`).sort();

  it('reads every repository it can, says which it could not, then syncs the triggers', async () => {
    const { deps, lines, afterRead, synced } = setUp();
    await refreshRepos(deps, { afterRead });
    expect(await flowIds()).toEqual(['acme/build', 'tools/lint']);
    expect(lines.filter((line) => line.msg === 'flows read').map((line) => line.repo)).toEqual(['acme', 'tools']);
    expect(lines.find((line) => line.msg === 'could not read the flows of a repository')).toMatchObject({
      repo: 'gone',
    });
    expect(synced()).toBe(1);
  });

  it('reads one repository by name', async () => {
    const { deps, afterRead } = setUp();
    await refreshRepos(deps, { name: 'tools', afterRead });
    expect(await flowIds()).toEqual(['tools/lint']);
  });

  it('with onlyIfMoved, reads again only the repositories whose default branch moved', async () => {
    const { acme, deps, lines, afterRead } = setUp();
    await refreshRepos(deps, { afterRead });
    acme.commit({ 'FLOE.yaml': flowsYaml('build', 'deploy') });
    const before = lines.length;
    await refreshRepos(deps, { onlyIfMoved: true, afterRead });
    expect(await flowIds()).toEqual(['acme/build', 'acme/deploy', 'tools/lint']);
    const reads = lines.slice(before).filter((line) => line.msg === 'flows read');
    expect(reads.map((line) => line.repo)).toEqual(['acme']);
  });
});
