import { describe, expect, it } from 'vitest';
import { flowPath, parseRoute, runPath } from './router.js';

const route = (path: string) => parseRoute(new URL(path, 'http://hub'));

describe('routes', () => {
  it('reads the links the hub writes (DESIGN §8 "Links and health")', () => {
    expect(route('/runs/r_1?node=build')).toEqual({ page: 'run', runId: 'r_1', node: 'build' });
    expect(route('/flows/octo/app/release')).toEqual({ page: 'flow', repo: 'octo/app', flowId: 'release' });
    expect(route('/flows/local/build')).toEqual({ page: 'flow', repo: 'local', flowId: 'build' });
    expect(route('/runners')).toEqual({ page: 'runners' });
    expect(route('/tokens')).toEqual({ page: 'tokens' });
    expect(route('/audit')).toEqual({ page: 'audit' });
    expect(route('/nope/x')).toEqual({ page: 'not-found', path: '/nope/x' });
  });

  it('writes paths that read back the same', () => {
    const flow = route(flowPath('octo/my app', 'build'));
    expect(flow).toEqual({ page: 'flow', repo: 'octo/my app', flowId: 'build' });
    expect(route(runPath('a/b', 'n 1'))).toEqual({ page: 'run', runId: 'a/b', node: 'n 1' });
  });
});
