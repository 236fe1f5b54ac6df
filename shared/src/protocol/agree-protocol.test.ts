import { describe, expect, it } from 'vitest';
import { agreeProtocol } from './agree-protocol.js';

describe('agreeProtocol', () => {
  it('picks the newest version both ranges hold', () => {
    expect(agreeProtocol({ min: 1, max: 3 }, { min: 2, max: 5 })).toEqual({ version: 3 });
    expect(agreeProtocol({ min: 2, max: 5 }, { min: 1, max: 3 })).toEqual({ version: 3 });
    expect(agreeProtocol({ min: 1, max: 1 }, { min: 1, max: 1 })).toEqual({ version: 1 });
    expect(agreeProtocol({ min: 1, max: 4 }, { min: 4, max: 4 })).toEqual({ version: 4 });
  });

  it('names both ranges and the side behind when they do not meet', () => {
    expect(agreeProtocol({ min: 3, max: 4 }, { min: 1, max: 2 })).toEqual({
      upgrade: 'the runner',
      message: 'the runner speaks protocol versions 1–2, the hub versions 3–4; upgrade floe on the runner',
    });
    expect(agreeProtocol({ min: 1, max: 1 }, { min: 2, max: 3 })).toEqual({
      upgrade: 'the hub',
      message: 'the runner speaks protocol versions 2–3, the hub version 1; upgrade floe on the hub',
    });
  });
});
