import { parseFloeFile } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { parseDataArgs } from './parse-data-args.js';

const [flow] = parseFloeFile(`
id: deploy
triggers:
  - id: start
    type: data
    opts: {form: {fields: [{id: target, type: select, options: [staging, prod]}, {id: n, type: number}]}}
tasks:
  - {id: approve, type: data, listen: trigger.good, opts: {form: {fields: [{id: ok, type: bool}]}}}
  - {id: ship, type: exec, listen: task.approve.good, opts: {cmd: "true"}}
`).flows;
if (!flow) throw new Error('the test flow does not parse');

describe('parseDataArgs', () => {
  it('splits start-form values from data-task answers, checking and normalising each (the last one wins)', () => {
    expect(parseDataArgs(['target=prod', 'n=3', 'approve.ok=yes', 'n=4'], flow)).toEqual({
      data: { form: { target: 'prod', n: '4' }, answers: { approve: { ok: 'true' } } },
    });
  });

  it.each([
    ['target', '--data target: expected KEY=VALUE'],
    ['colour=red', '--data colour: the start form of flow deploy has no field colour (fields: target, n)'],
    ['ship.ok=1', '--data ship.ok: flow deploy has no data task ship (data tasks: approve)'],
    ['approve.sure=1', '--data approve.sure: data task approve has no field sure (fields: ok)'],
    ['approve.ok=perhaps', '--data approve.ok: field ok is a bool: use true or false, not "perhaps"'],
    ['n=many', '--data n: field n is a number, not "many"'],
  ])('refuses %s, saying why', (arg, error) => {
    expect(parseDataArgs([arg], flow)).toEqual({ error });
  });
});
