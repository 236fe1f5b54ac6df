// From a schema-valid flow to the `ResolvedFlow` the engine, the runner and the hub use: ids and names derived by the
// original's rules (docs/floe-yaml.md "Ids and names"), classes filled in, and the original's old spellings mapped to
// ours (DESIGN §8 "Options": git-checkout `branch` is `ref`, `git-push` is `push`; `git-merge` keeps its type, as the
// runner checks out for it but, like the original's stub, fails it without `from-branch`).
import { deriveId, idProblemMessage } from './derive-id.js';
import type { Diagnostic } from './diagnostic.js';
import type { FlowDef, ResolvedFlow, ResolvedNode, ResolvedTrigger } from './flow-schema.js';
import { diagnosticMaker, type FlowSource } from './flow-source.js';
import { combinationTask, expandMatrix } from './resolve-matrix.js';
import type { DataPath } from './yaml-locator.js';

/** Resolves the nodes of a flow whose own id is already known. Returns the flow, or undefined and its errors. */
export function resolveFlow(
  def: FlowDef,
  identity: { id: string; name: string },
  source?: FlowSource,
): { flow?: ResolvedFlow; diagnostics: Diagnostic[] } {
  const make = diagnosticMaker(source, identity.id);
  const diagnostics: Diagnostic[] = [];
  const nodeIdentity = (node: { id?: string | undefined; name?: string | undefined }, path: DataPath, what: string) => {
    const derived = deriveId(node.id, node.name);
    if (derived.ok) return derived;
    const [code, message, hint] = idProblemMessage(derived, what);
    diagnostics.push(
      make(
        code,
        message,
        node.id !== undefined ? [...path, 'id'] : node.name !== undefined ? [...path, 'name'] : path,
        node.id !== undefined || node.name !== undefined ? 'value' : 'head',
        hint,
      ),
    );
    return undefined;
  };

  const triggers: ResolvedTrigger[] = [];
  def.triggers.forEach((trigger, index) => {
    const ids = nodeIdentity(trigger, ['triggers', index], `trigger ${index + 1}`);
    if (!ids) return;
    const type = trigger.type === 'git-push' ? 'push' : trigger.type;
    triggers.push({ ...trigger, type, class: 'trigger', id: ids.id, name: ids.name } as ResolvedTrigger);
  });

  const tasks: ResolvedNode[] = [];
  def.tasks.forEach((node, index) => {
    const ids = nodeIdentity(node, ['tasks', index], `task ${index + 1}`);
    if (!ids) return;
    if (node.class === 'merge') {
      tasks.push({ ...node, id: ids.id, name: ids.name });
      return;
    }
    if (node.type === 'git-checkout' || node.type === 'git-merge') {
      const { branch, ...opts } = node.opts;
      tasks.push({
        ...node,
        class: 'task',
        opts: { ...opts, ...(opts.ref === undefined && branch !== undefined ? { ref: branch } : {}) },
        id: ids.id,
        name: ids.name,
      });
      return;
    }
    tasks.push({ ...node, class: 'task', id: ids.id, name: ids.name });
  });

  if (diagnostics.length > 0) return { diagnostics };
  // Each combination of a matrix task is a node of its own (docs/floe-yaml.md "Matrices"), after every task as
  // written, so that `tasks[i]` stays the i-th task of the file for the linter's positions. A matrix with problems
  // makes none: the linter reports them, and such a flow does not run.
  for (const node of [...tasks]) {
    if (node.class === 'merge' || !node.matrix) continue;
    for (const values of expandMatrix(node.matrix, node.id).combinations) tasks.push(combinationTask(node, values));
  }
  return { flow: { ...def, ...identity, triggers, tasks }, diagnostics };
}
