import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance } from './did-you-mean.js';

const TASK_KEYS = [
  'id',
  'name',
  'class',
  'type',
  'listen',
  'good',
  'ignore-fail',
  'use-status',
  'timeout',
  'retry',
  'opts',
];

describe('didYouMean', () => {
  it.each([
    ['lisen', 'listen'],
    ['lsiten', 'listen'],
    ['Listen', 'listen'],
    ['ignore-fial', 'ignore-fail'],
    ['usestatus', 'use-status'],
    ['opt', 'opts'],
    ['tpye', 'type'],
  ])('suggests a key for the typo %s', (typo, meant) => {
    expect(didYouMean(typo, TASK_KEYS)).toBe(meant);
  });

  it.each(['wait', 'environment', 'x', 'cmd'])('suggests nothing for %s, which is not a typo of a task key', (word) => {
    expect(didYouMean(word, TASK_KEYS)).toBeUndefined();
  });

  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});
