import { describe, expect, it } from 'vitest';
import { newRunId } from './new-run-id.js';

describe('newRunId', () => {
  it('sorts by creation, even for ids made in the same millisecond or with a clock that steps back', () => {
    const times = [5_000, 5_000, 5_000, 4_000, 6_000, 1_700_000_000_000, 1_700_000_000_000];
    const ids = times.map((at) => newRunId(at));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^[0-9a-z]{17}$/.test(id))).toBe(true);
  });
});
