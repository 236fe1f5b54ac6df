import type { FormField, ResolvedFlow } from '@floe/shared';

/** The fields of the flow's `data` trigger (its start form); empty when it has none. */
export function startFormFields(flow: ResolvedFlow): FormField[] {
  const trigger = flow.triggers.find((t) => t.type === 'data');
  return trigger?.type === 'data' ? (trigger.opts.form?.fields ?? []) : [];
}

/** The fields of a `data` task's form; undefined when `node` is not a data task of the flow. */
export function dataTaskFields(flow: ResolvedFlow, node: string): FormField[] | undefined {
  const task = flow.tasks.find((t) => t.id === node);
  return task && 'type' in task && task.type === 'data' ? (task.opts.form?.fields ?? []) : undefined;
}
