// Attacks through form values (docs/security.md "Form values"), against the built floe-hub and a real runner: a
// start-form value or a data-task answer carrying a NUL once split the runner's warm-shell framing, and the text
// after it ran as the task's script. Through the real HTTP API, every value is either refused with a 400 naming its
// field, or reaches the task's environment byte for byte; nothing else ever runs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { formTextProblem } from '@floe/shared';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HubProcess,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  type RunnerProcess,
  removeTempDirs,
  startHub,
  startRunner,
  waitFor,
} from '../support/index.js';

/** Created by any attacker text that runs; the test checks it never appears. */
const MARKER = join(makeTempDir('floe-pwned-'), 'pwned');
const hex = (name: string) => `$(printf %s "$${name}" | od -An -tx1 | tr -d ' \\n')`;
const FLOWS = `
flows:
  - id: form
    triggers:
      - {id: start, type: data, opts: {form: {fields: [{id: note, required: false}]}}}
    tasks:
      - {id: ask, type: data, listen: trigger.good, opts: {form: {fields: [{id: answer, required: false}]}}}
      - id: show
        type: exec
        listen: task.ask.good
        opts: {shell: ${JSON.stringify(`echo "note=${hex('FLOE_DATA_NOTE')} answer=${hex('FLOE_DATA_ANSWER')}"`)}}
`;

/** What an attacker sends: text that would run if a field boundary or the shell's quoting gave way. */
const ATTACKS = [
  `x\u0000touch ${MARKER}`,
  `\u0000\u0000touch ${MARKER}\u0000`,
  `'; touch ${MARKER}; '`,
  `$(touch ${MARKER})`,
  `\`touch ${MARKER}\``,
  `a\ntouch ${MARKER}\n`,
  `\u001b]0;touch ${MARKER}\u0007`,
  `5 0 0\nexport X=1\u0000/\u0000touch ${MARKER}`,
  `\ud800touch ${MARKER}`,
];

let hub: HubProcess;
let runner: RunnerProcess;

beforeAll(async () => {
  const repo = makeTempDir('floe-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
  hub = await startHub({ repos: [repo] });
  runner = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'vm-1', slots: 2 });
  await runner.waitForOutput('connected to the hub');
}, 120_000);
afterAll(async () => {
  await killSpawned();
  removeTempDirs();
});

interface RunView {
  state: string;
  result?: string;
  nodes: { id: string; state: string }[];
}

const utf8Hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');
const post = (path: string, body: unknown) =>
  hub.request(path, { body }).then(async (response) => ({ status: response.status, body: await response.json() }));

/**
 * Starts a run with `note`, answers its data task with `answer`, and checks each step: a value the hub must refuse
 * gets a 400 naming its field (then a harmless value is sent instead), any other reaches the task exactly.
 */
async function throughTheApi(note: string, answer: string): Promise<void> {
  const started = await post('/api/flows/form/runs', { data: { note } });
  if (formTextProblem(note) !== undefined) {
    expect(started.status).toBe(400);
    expect(started.body).toMatchObject({
      code: 'FLOE_BAD_REQUEST',
      message: expect.stringMatching(/^body\.data\.note: holds /),
    });
    return;
  }
  expect(started.status).toBe(201);
  const { runId } = started.body as { runId: string };
  await waitFor(
    async () =>
      (await hub.json<RunView>(`/api/runs/${runId}`)).nodes.some((n) => n.id === 'ask' && n.state === 'awaiting-input'),
    { timeoutMs: 30_000, what: 'the data task to wait for input' },
  );
  const answered = await post(`/api/runs/${runId}/nodes/ask/data`, { values: { answer } });
  let sent = answer;
  if (formTextProblem(answer) !== undefined) {
    expect(answered.status).toBe(400);
    expect(answered.body).toMatchObject({ message: expect.stringMatching(/^body\.values\.answer: holds /) });
    sent = 'fallback';
    expect((await post(`/api/runs/${runId}/nodes/ask/data`, { values: { answer: sent } })).status).toBe(202);
  } else {
    expect(answered.status).toBe(202);
  }
  const run = await waitFor(
    async () => {
      const view = await hub.json<RunView>(`/api/runs/${runId}`);
      return view.state === 'archived' && view;
    },
    { timeoutMs: 30_000, what: `run ${runId} to end` },
  );
  expect(run.result).toBe('good');
  const log = await (await hub.request(`/api/runs/${runId}/logs?node=show`)).text();
  // The one line the script prints, and nothing a value could have added: no other command ran.
  expect(log.split('\n').filter((line) => line.startsWith('note='))).toEqual([
    `note=${utf8Hex(note)} answer=${utf8Hex(sent)}`,
  ]);
  expect(log).not.toContain('touch');
  expect(existsSync(MARKER)).toBe(false);
}

describe('form values through the API', () => {
  it('refuses a start-form value with a NUL with 400 naming the field, and runs nothing', async () => {
    const before = await hub.json<{ runs: unknown[] }>('/api/runs');
    const refused = await post('/api/flows/form/runs', { data: { note: `x\u0000touch ${MARKER}` } });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      code: 'FLOE_BAD_REQUEST',
      message:
        'body.data.note: holds a NUL character at index 1; only tab, newline and carriage return are allowed among control characters',
    });
    expect((await hub.json<{ runs: unknown[] }>('/api/runs')).runs).toHaveLength(before.runs.length);
    expect(existsSync(MARKER)).toBe(false);
  });

  it('refuses a data-task answer with a NUL with 400 naming the field; the run goes on with a good answer', async () => {
    await throughTheApi('plain', `x\u0000touch ${MARKER}`);
  }, 90_000);

  it('gives each attacker value to the task verbatim, or refuses it; nothing else runs', async () => {
    for (const attack of ATTACKS) await throughTheApi(attack, attack);
  }, 300_000);

  it('random values: refused with 400, or seen by the task verbatim', async () => {
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 120 }),
      fc.string({
        unit: fc.constantFrom(
          '\u0000',
          '\u0001',
          '\t',
          '\n',
          '\r',
          '\u001b',
          "'",
          '"',
          '$',
          '`',
          '\\',
          'é',
          '😀',
          ' ',
          'a',
        ),
      }),
    );
    await fc.assert(fc.asyncProperty(value, value, throughTheApi), { numRuns: 60 });
  }, 600_000);
});
