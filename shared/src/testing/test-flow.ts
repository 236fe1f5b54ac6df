// Test helper (not exported from the package): builds a ResolvedFlow the way the parser will, without YAML —
// defaults from `FlowSchema.parse`, ids from the given id, else the name, else the position.
import { type FlowInput, FlowSchema, type ResolvedFlow, ResolvedFlowSchema } from '../flow/flow-schema.js';

export function testFlow(input: FlowInput): ResolvedFlow {
  const flow = FlowSchema.parse(input);
  const name = (given: { id?: string | undefined; name?: string | undefined }, fallback: string) => {
    const id = given.id ?? given.name?.toLowerCase().replace(/[^a-z0-9]+/g, '-') ?? fallback;
    return { id, name: given.name ?? id };
  };
  return ResolvedFlowSchema.parse({
    ...flow,
    ...name(flow, 'flow'),
    triggers: flow.triggers.map((trigger, i) => ({
      ...trigger,
      type: trigger.type === 'git-push' ? 'push' : trigger.type,
      ...name(trigger, `trigger-${i}`),
    })),
    tasks: flow.tasks.map((node, i) => ({ ...node, ...name(node, `node-${i}`) })),
  });
}
