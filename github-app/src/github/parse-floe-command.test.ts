import { describe, expect, it } from 'vitest';
import { parseFloeCommand } from './parse-floe-command.js';

describe('parseFloeCommand', () => {
  it.each([
    ['/floe run', { kind: 'run', data: {} }],
    ['/floe run build', { kind: 'run', flowId: 'build', data: {} }],
    [
      '  /floe run deploy env=prod dry=true\nthanks!',
      { kind: 'run', flowId: 'deploy', data: { env: 'prod', dry: 'true' } },
    ],
    ['/floe run note=a=b', { kind: 'run', data: { note: 'a=b' } }],
    ['/floe cancel', { kind: 'cancel' }],
    ['/floe cancel 12', { kind: 'cancel', number: 12 }],
    ['/floe retry #3', { kind: 'retry', number: 3 }],
    ['/floe', { kind: 'help' }],
  ])('reads %j', (body, command) => {
    expect(parseFloeCommand(body)).toEqual(command);
  });

  it.each([
    ['/floe deploy', 'unknown command `/floe deploy`'],
    ['/floe run a b', '`/floe run` takes one flow, got a, b'],
    ['/floe cancel soon', '`/floe cancel` takes a run number, got `soon`'],
    ['/floe retry 0', '`/floe retry` takes a run number, got `0`'],
  ])('answers %j with help saying what was wrong', (body, problem) => {
    expect(parseFloeCommand(body)).toEqual({ kind: 'help', problem });
  });

  it.each(['LGTM', 'please /floe run', '/floerun', '> /floe run', ''])('ignores %j', (body) => {
    expect(parseFloeCommand(body)).toBeUndefined();
  });
});
