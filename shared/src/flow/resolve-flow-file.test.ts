import { describe, expect, it } from 'vitest';
import { FLOW_FILE_MAX_BYTES } from './flow-file-ref.js';
import { parseFloeFile } from './parse-floe-file.js';
import { resolveFlowFile } from './resolve-flow-file.js';

const flowOf = (yaml: string) => {
  const flow = parseFloeFile(yaml).flows[0];
  if (!flow) throw new Error('no flow');
  return flow;
};
const FLOW = flowOf(`
id: build
host-tags: [linux]
triggers: [{id: push, type: push}]
flow-file: FILE
`);
const TASKS = `
id: ignored
host-tags: [gpu]
env: {A: "1"}
tasks:
  - {id: make, type: exec, listen: trigger.good, opts: {cmd: make}}
`;
const withRef = (ref: string) => ({ ...FLOW, 'flow-file': ref });
const readers = (files: Record<string, string>, fetched: Record<string, string | Error> = {}) => ({
  readPath: async (path: string) => files[path],
  fetchUrl: async (url: string) => {
    const answer = fetched[url];
    if (answer instanceof Error) throw answer;
    if (answer === undefined) throw new Error('HTTP 404');
    return answer;
  },
});

describe('resolveFlowFile', () => {
  it("takes the file's tasks, tags and env, keeping the flow's id and triggers", async () => {
    const { flow } = await resolveFlowFile(withRef('flows/tasks.yaml'), readers({ 'flows/tasks.yaml': TASKS }));
    expect(flow).toMatchObject({ id: 'build', 'host-tags': ['gpu'], env: { A: '1' } });
    expect(flow?.tasks.map((t) => t.id)).toEqual(['make']);
    expect(flow?.triggers.map((t) => t.id)).toEqual(['push']);
  });

  it('fetches an https URL and refuses http, whatever the fetcher would do', async () => {
    const url = 'https://flows.example.com/tasks.yaml';
    expect((await resolveFlowFile(withRef(url), readers({}, { [url]: TASKS }))).flow?.tasks).toHaveLength(1);
    const http = await resolveFlowFile(withRef('http://flows.example.com/tasks.yaml'), readers({}, { [url]: TASKS }));
    expect(http.errors).toEqual([
      expect.stringMatching(/flow-file http:\/\/flows.example.com\/tasks.yaml is refused: plain http/),
    ]);
  });

  it('says why it cannot run: missing, too big, unreadable, no flow', async () => {
    const missing = await resolveFlowFile(withRef('gone.yaml'), { ...readers({}), where: 'the repository at abc1234' });
    expect(missing.errors).toEqual(['FLOE.yaml: flow-file gone.yaml is not in the repository at abc1234']);
    const big = await resolveFlowFile(
      withRef('big.yaml'),
      readers({ 'big.yaml': `# ${'x'.repeat(FLOW_FILE_MAX_BYTES)}` }),
    );
    expect(big.errors).toEqual(['FLOE.yaml: flow-file big.yaml is larger than 1 MiB']);
    const url = 'https://flows.example.com/slow.yaml';
    const slow = await resolveFlowFile(
      withRef(url),
      readers({}, { [url]: new Error('no complete answer within 10 s') }),
    );
    expect(slow.errors).toEqual([`FLOE.yaml: flow-file ${url} could not be read: no complete answer within 10 s`]);
    const empty = await resolveFlowFile(withRef('empty.yaml'), readers({ 'empty.yaml': 'flows: []\n' }));
    expect(empty.errors?.[0]).toMatch(/empty\.yaml/);
  });

  it("shows a repository file's errors, but never the text of a fetched one", async () => {
    const secretish = 'aws_secret_access_key: AKIAEXAMPLEKEY123\nid: x\n';
    const path = await resolveFlowFile(withRef('bad.yaml'), readers({ 'bad.yaml': secretish }));
    expect(path.errors?.join('\n')).toContain('aws_secret_access_key');
    const url = 'https://internal.example.com/creds';
    const fetched = await resolveFlowFile(withRef(url), readers({}, { [url]: secretish }));
    expect(fetched.errors?.length).toBeGreaterThan(0);
    expect(fetched.errors?.join('\n')).not.toMatch(/aws_secret|AKIA/);
    expect(fetched.errors?.[0]).toMatch(/^https:\/\/internal\.example\.com\/creds:1:1: unknown-key/);
    // JSON that is not a flow at all, the usual answer of an internal service.
    const json = await resolveFlowFile(withRef(url), readers({}, { [url]: '{"token": "s3cr3t-value"}' }));
    expect(json.errors?.join('\n')).not.toContain('s3cr3t');
  });
});
