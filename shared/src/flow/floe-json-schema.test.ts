import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { floeJsonSchema } from './floe-json-schema.js';

describe('floeJsonSchema', () => {
  it('matches the committed shared/floe.schema.json (regenerate with write-json-schema.js)', () => {
    const committed = readFileSync(new URL('../../floe.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(`${JSON.stringify(floeJsonSchema(), null, 2)}\n`);
  });

  it('describes the input a person writes: defaulted keys are optional, keys carry descriptions', () => {
    const text = JSON.stringify(floeJsonSchema());
    expect(text).toContain('The one event tag that starts this node, e.g. task.build.good.');
    expect(text).toContain('"additionalProperties":false');
    const schema = floeJsonSchema() as { $defs?: Record<string, { required?: string[]; properties?: object }> };
    const flowDefs = Object.values(schema.$defs ?? {}).filter(
      (def) => def.properties && 'reuse-space' in def.properties,
    );
    expect(flowDefs).toHaveLength(1);
    expect(flowDefs[0]?.required ?? []).not.toContain('ver');
  });
});
