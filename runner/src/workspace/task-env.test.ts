import { describe, expect, it } from 'vitest';
import { buildTaskEnv, dataVariable } from './task-env.js';

const base = {
  baseEnv: { PATH: '/usr/bin', HOME: '/home/r', SHARED: 'runner' },
  workspace: '/w/ws',
  flowId: 'build',
  nodeId: 'test',
  run: { id: 'r1', number: 3 },
};

describe('buildTaskEnv', () => {
  it('layers runner < flow < task < floe variables', () => {
    const env = buildTaskEnv({
      ...base,
      flowEnv: ['SHARED=flow', 'FLOWONLY=f'],
      taskEnv: { SHARED: 'task', FLOEWS: '/elsewhere', FLOE_RUN_ID: 'x' },
    });
    expect(env).toMatchObject({ SHARED: 'task', FLOWONLY: 'f', HOME: '/home/r', FLOEWS: '/w/ws', FLOE_RUN_ID: 'r1' });
    expect(env).toMatchObject({ FLOE_RUN_NUMBER: '3', FLOE_FLOW_ID: 'build', FLOE_NODE_ID: 'test', FLOE_REPO: '' });
  });

  it('keeps the flow env when the task has its own (the original dropped it)', () => {
    const env = buildTaskEnv({ ...base, flowEnv: ['FLOWV=1'], taskEnv: ['TASKV=2'] });
    expect(env).toMatchObject({ FLOWV: '1', TASKV: '2' });
  });

  it('expands $NAME and its braced form from the env built so far, and ./ to the workspace', () => {
    const env = buildTaskEnv({
      ...base,
      flowEnv: { PATH: './bin:$PATH', A: 'a' },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a FLOE.yaml ${NAME} reference, not a template
      taskEnv: ['B=${A}-$A-$NOPE-$', 'OUT=$FLOEWS/out', 'HERE=.', 'CFG={{ws}}/c', 'PKG=./...'],
    });
    expect(env).toMatchObject({
      PATH: '/w/ws/bin:/usr/bin',
      B: 'a-a--$',
      OUT: '/w/ws/out',
      HERE: '/w/ws',
      CFG: '/w/ws/c',
      PKG: './...',
    });
  });

  it('makes FLOE_DATA_<FIELD> of form values, upper-cased with - as _', () => {
    const env = buildTaskEnv({ ...base, run: { ...base.run, data: { 'release-tag': 'v1', ok: 'true' } } });
    expect(env).toMatchObject({ FLOE_DATA_RELEASE_TAG: 'v1', FLOE_DATA_OK: 'true' });
    expect(dataVariable('a.b-c')).toBe('FLOE_DATA_A_B_C');
  });
});
