import { describe, expect, it } from 'vitest';
import { ScriptedRun } from '../testing/scripted-run.js';
import { testFlow } from '../testing/test-flow.js';
import { runData } from './run-data.js';

const gate = (id: string, listen: string) => ({
  id,
  type: 'data' as const,
  listen,
  opts: { form: { title: id, fields: [{ id: 'target' }, { id: 'note', required: false, value: 'none' }] } },
});

describe('runData', () => {
  const flow = () =>
    testFlow({
      name: 'release',
      triggers: [{ name: 'start', type: 'data', opts: { form: { title: 'Start', fields: [{ id: 'target' }] } } }],
      tasks: [
        gate('first', 'trigger.good'),
        gate('second', 'task.first.good'),
        { id: 'deploy', type: 'exec', listen: 'task.second.good', opts: { cmd: 'true' } },
      ],
    });

  it('adds the answers of approved data tasks to the trigger data, the latest answer winning', () => {
    const run = new ScriptedRun(flow(), { data: { target: 'staging', branch: 'main' } });
    expect(runData(run.state)).toEqual({ target: 'staging', branch: 'main' });
    run.data('first', { target: 'canary' });
    expect(runData(run.state)).toEqual({ target: 'canary', note: 'none', branch: 'main' });
    run.data('second', { target: 'production', note: 'go' });
    expect(runData(run.state)).toEqual({ target: 'production', note: 'go', branch: 'main' });
    expect(run.state.data).toEqual({ target: 'staging', branch: 'main' });
  });

  it('ignores a rejected form', () => {
    const run = new ScriptedRun(flow(), { data: { target: 'staging' } });
    run.data('first', { target: 'canary' }, { reject: true, by: 'ann' });
    expect(runData(run.state)).toEqual({ target: 'staging' });
  });
});
