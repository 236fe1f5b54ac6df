import type { FormField, ResolvedFlow } from '@floe/shared';
import { checkFormValue } from './check-form-value.js';
import { dataTaskFields, startFormFields } from './form-fields.js';

/** `--data` values of `floe run`, checked: the start form's, and answers for `data` tasks by node id. */
export interface DataArgs {
  form: Record<string, string>;
  answers: Record<string, Record<string, string>>;
}

/**
 * Reads `--data KEY=VALUE` arguments: `field=value` fills the start form (the `data` trigger's), and
 * `node.field=value` answers the `data` task `node` in advance. Every value is checked against its field.
 * Returns the values, or one sentence naming the first bad argument and what would be accepted.
 */
export function parseDataArgs(args: string[], flow: ResolvedFlow): { data: DataArgs } | { error: string } {
  const data: DataArgs = { form: {}, answers: {} };
  const formFields = startFormFields(flow);
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) return { error: `--data ${arg}: expected KEY=VALUE` };
    const key = arg.slice(0, eq);
    const raw = arg.slice(eq + 1);
    const dot = key.indexOf('.');
    const node = dot > 0 ? key.slice(0, dot) : undefined;
    const nodeFields = node === undefined ? undefined : dataTaskFields(flow, node);
    let fields: FormField[];
    let id: string;
    let target: Record<string, string>;
    if (node !== undefined && nodeFields) {
      fields = nodeFields;
      id = key.slice(dot + 1);
      data.answers[node] ??= {};
      target = data.answers[node];
    } else if (formFields.some((f) => f.id === key)) {
      fields = formFields;
      id = key;
      target = data.form;
    } else {
      const dataTasks = flow.tasks.filter((t) => 'type' in t && t.type === 'data').map((t) => t.id);
      if (node !== undefined) {
        return {
          error: `--data ${key}: flow ${flow.id} has no data task ${node}${dataTasks.length ? ` (data tasks: ${dataTasks.join(', ')})` : ''}`,
        };
      }
      return {
        error: formFields.length
          ? `--data ${key}: the start form of flow ${flow.id} has no field ${key} (fields: ${formFields.map((f) => f.id).join(', ')})`
          : `--data ${key}: flow ${flow.id} has no start form (no data trigger)${dataTasks.length ? `; answer a data task with --data ${dataTasks[0]}.FIELD=VALUE` : ''}`,
      };
    }
    const field = fields.find((f) => f.id === id);
    if (!field) {
      return {
        error: `--data ${key}: data task ${node} has no field ${id} (fields: ${fields.map((f) => f.id).join(', ') || 'none'})`,
      };
    }
    const checked = checkFormValue(field, raw);
    if ('error' in checked) return { error: `--data ${key}: ${checked.error}` };
    target[id] = checked.value;
  }
  return { data };
}
