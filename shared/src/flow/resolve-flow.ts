// From a schema-valid flow to the `ResolvedFlow` the engine, the runner and the hub use: ids and names derived by
// the original's rules (floe-behaviour.md §1.6), classes filled in, and the original's old spellings mapped to
// ours (DESIGN §8 "Options": `git-merge` runs as git-checkout, git-checkout `branch` is `ref`, `git-push` is `push`).

import { type DerivedId, deriveId } from './derive-id.js';
import type { Diagnostic, Range } from './diagnostic.js';
import { DIAGNOSTIC_CODES, type DiagnosticCode } from './diagnostic-codes.js';
import type { FlowDef, ResolvedFlow, ResolvedNode, ResolvedTrigger } from './flow-schema.js';
import type { DataPath, PathPart } from './yaml-locator.js';

/** Where a flow's findings go: the file and a way to turn a path inside the flow into a range. */
export interface FlowSource {
  file: string;
  /** Range of a path relative to the flow, e.g. `['tasks', 2, 'listen']`. */
  locate(path: DataPath, part?: PathPart): Range;
  /** Whether the file holds a value at `path` (so a finding about a derived id can point at `name`). */
  has?(path: DataPath): boolean;
}

/** Builds diagnostics of one flow with the catalogue's severity. */
export function diagnosticMaker(source: FlowSource | undefined, flowId: string | undefined) {
  return (
    code: DiagnosticCode,
    message: string,
    path: DataPath,
    part: PathPart = 'value',
    hint?: string,
  ): Diagnostic => {
    const range = source?.locate(path, part) ?? { line: 1, column: 1, endLine: 1, endColumn: 2 };
    return {
      file: source?.file ?? 'FLOE.yaml',
      ...range,
      severity: DIAGNOSTIC_CODES[code].severity,
      code,
      message,
      ...(hint ? { hint } : {}),
      ...(flowId ? { flowId } : {}),
    };
  };
}

/** The message of a failed id derivation. */
export function idProblemMessage(
  derived: Extract<DerivedId, { ok: false }>,
  what: string,
): [DiagnosticCode, string, string] {
  if (derived.problem === 'missing')
    return ['missing-id', `${what} has neither \`id\` nor \`name\`.`, 'give it an `id`'];
  if (derived.problem === 'space-or-dot') {
    return ['invalid-id', `The id \`${derived.id}\` of ${what} contains a space or a full stop.`, 'use `-` instead'];
  }
  return [
    'invalid-id',
    `The id \`${derived.id}\` of ${what} has characters that are not safe in a URL.`,
    'ids may hold letters, digits, `-`, `_` and `~`; give an explicit `id`',
  ];
}

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
        type: 'git-checkout',
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
  return { flow: { ...def, ...identity, triggers, tasks }, diagnostics };
}
