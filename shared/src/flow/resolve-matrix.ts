// From a matrix task to its combinations (docs/floe-yaml.md "Matrices"): the values of each, its id, and the task
// each one runs with `{{matrix.AXIS}}` filled in. The resolver makes the combination nodes from this, the linter
// reports its problems, and both use this one function, so what lint accepts is exactly what runs.
import type { DiagnosticCode } from './diagnostic-codes.js';
import type { ResolvedTask } from './flow-schema.js';
import { MAX_MATRIX_COMBINATIONS, type Matrix, type MatrixValue } from './matrix-schema.js';
import type { DataPath, PathPart } from './yaml-locator.js';

/** The most axes one matrix may have: each is a part of every combination's id. */
export const MAX_MATRIX_AXES = 16;

/** A reference to an axis in a task's opts: `{{matrix.node}}` (spaces allowed inside the braces). */
export const MATRIX_REF = /\{\{\s*matrix\.([^}\s]*)\s*\}\}/g;

export interface MatrixProblem {
  code: DiagnosticCode;
  message: string;
  /** Relative to the task, e.g. `['matrix', 'axes', 'node']`. */
  path: DataPath;
  part: PathPart;
  hint?: string;
}

export interface MatrixExpansion {
  /** Each combination's values by axis, in axis order; empty when there are problems. */
  combinations: Record<string, string>[];
  problems: MatrixProblem[];
}

/** The environment variable of an axis: `FLOE_MATRIX_NODE` for `node`. */
export const matrixVariable = (axis: string): string => `FLOE_MATRIX_${axis.toUpperCase()}`;

/**
 * The id of a combination: the task's id, then `~<axis>-<value>` for each axis in order (`test~node-20~pg-16`).
 * A value is lower-cased, and each character an id may not hold (anything but letters, digits, `-` and `_`; `~`
 * too, which separates the axes) becomes `-`: `18.x` gives `node-18-x`. Two values that differ only there give one
 * id, which the linter reports as duplicate combinations.
 */
export function combinationId(taskId: string, values: Record<string, string>): string {
  const parts = Object.entries(values).map(
    ([axis, value]) => `~${axis}-${value.toLowerCase().replace(/[^\p{L}\p{N}_-]/gu, '-')}`,
  );
  return `${taskId}${parts.join('')}`;
}

const text = (value: MatrixValue): string => String(value);

/**
 * The combinations of a matrix: every combination of the axes' values, less those `exclude` matches, plus
 * `include`'s, in that order. Never throws, and never enumerates more than MAX_MATRIX_COMBINATIONS: the size is
 * counted first, so a hostile matrix of many long axes costs no more than a small one.
 */
export function expandMatrix(matrix: Matrix, taskId: string): MatrixExpansion {
  const problems: MatrixProblem[] = [];
  const axes = Object.entries(matrix.axes);
  const axisNames = new Set(axes.map(([axis]) => axis));
  if (axes.length === 0) {
    problems.push({
      code: 'matrix-empty',
      message: `The matrix of task \`${taskId}\` has no axes.`,
      path: ['matrix'],
      part: 'key',
      hint: 'give at least one axis, e.g. `axes: {node: [18, 20]}`',
    });
  }
  if (axes.length > MAX_MATRIX_AXES) {
    problems.push({
      code: 'matrix-too-large',
      message: `The matrix of task \`${taskId}\` has ${axes.length} axes; a matrix may have at most ${MAX_MATRIX_AXES}.`,
      path: ['matrix', 'axes'],
      part: 'key',
    });
  }
  for (const [axis, values] of axes) {
    if (values.length === 0) {
      problems.push({
        code: 'matrix-empty',
        message: `The axis \`${axis}\` of task \`${taskId}\` has no values, so the matrix has no combinations.`,
        path: ['matrix', 'axes', axis],
        part: 'key',
        hint: 'give it a value, or remove the axis',
      });
    }
  }
  const checkEntry = (entry: Record<string, MatrixValue>, where: 'include' | 'exclude', index: number) => {
    for (const axis of Object.keys(entry)) {
      if (axisNames.has(axis)) continue;
      problems.push({
        code: 'matrix-unknown-axis',
        message: `\`${where}\` entry ${index + 1} of task \`${taskId}\` names \`${axis}\`, which is not an axis.`,
        path: ['matrix', where, index, axis],
        part: 'key',
        hint: `the axes are ${[...axisNames].map((name) => `\`${name}\``).join(', ') || 'none'}; add it to \`axes\``,
      });
    }
    if (where === 'exclude') return;
    const missing = [...axisNames].filter((axis) => !Object.hasOwn(entry, axis));
    if (missing.length > 0) {
      problems.push({
        code: 'matrix-missing-axis',
        message: `\`include\` entry ${index + 1} of task \`${taskId}\` gives no value for ${missing.map((a) => `\`${a}\``).join(', ')}.`,
        path: ['matrix', 'include', index],
        part: 'head',
        hint: 'an included combination gives a value for every axis',
      });
    }
  };
  for (const [index, entry] of matrix.exclude.entries()) checkEntry(entry, 'exclude', index);
  for (const [index, entry] of matrix.include.entries()) checkEntry(entry, 'include', index);

  let product = axes.length === 0 ? 0 : 1;
  for (const [, values] of axes) product = Math.min(product * values.length, MAX_MATRIX_COMBINATIONS + 1);
  if (product + matrix.include.length > MAX_MATRIX_COMBINATIONS) {
    problems.push(
      tooLarge(taskId, product > MAX_MATRIX_COMBINATIONS ? 'more than 256' : product + matrix.include.length),
    );
  }
  if (problems.length > 0) return { combinations: [], problems };

  let combinations: Record<string, string>[] = [{}];
  for (const [axis, values] of axes) {
    combinations = combinations.flatMap((combination) =>
      values.map((value) => ({ ...combination, [axis]: text(value) })),
    );
  }
  combinations = combinations.filter(
    (combination) =>
      !matrix.exclude.some((entry) =>
        Object.entries(entry).every(([axis, value]) => combination[axis] === text(value)),
      ),
  );
  for (const entry of matrix.include) {
    combinations.push(Object.fromEntries(axes.map(([axis]) => [axis, text(entry[axis] as MatrixValue)])));
  }

  // Two combinations with one id would be one node: a value written twice, an include of a combination already
  // there, or values that differ only in case or in characters an id cannot hold.
  const byId = new Map<string, Record<string, string>>();
  for (const [index, combination] of combinations.entries()) {
    const id = combinationId(taskId, combination);
    const first = byId.get(id);
    if (!first) {
      byId.set(id, combination);
      continue;
    }
    const same = JSON.stringify(first) === JSON.stringify(combination);
    const included = index >= combinations.length - matrix.include.length;
    problems.push({
      code: 'matrix-duplicate',
      message: same
        ? `Task \`${taskId}\` has the combination ${describe(combination)} twice.`
        : `The combinations ${describe(first)} and ${describe(combination)} of task \`${taskId}\` both get the id \`${id}\`.`,
      path: included
        ? ['matrix', 'include', index - (combinations.length - matrix.include.length)]
        : ['matrix', 'axes'],
      part: included ? 'head' : 'key',
      hint: same
        ? 'list each value once, and include only combinations the axes do not make'
        : 'ids are lower-case and hold only letters, digits, `-` and `_`: make the values differ in those',
    });
  }
  if (problems.length > 0) return { combinations: [], problems };
  return { combinations, problems };
}

function tooLarge(taskId: string, count: number | string): MatrixProblem {
  return {
    code: 'matrix-too-large',
    message: `The matrix of task \`${taskId}\` makes ${count} combinations; a matrix may make at most ${MAX_MATRIX_COMBINATIONS}.`,
    path: ['matrix'],
    part: 'key',
    hint: 'use `exclude`, fewer values, or split the task',
  };
}

/** `node=20, pg=16`: a combination as people read it. */
export function describe(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([axis, value]) => `${axis}=${value}`)
    .join(', ');
}

/**
 * The task one combination runs (an axis is looked up among the combination's own values only: `{{matrix.toString}}`
 * or an axis called `constructor` are names like any other): the matrix task without its matrix, its own id and name, no `listen` (the
 * matrix task starts it) and each `{{matrix.AXIS}}` of its opts filled in. Where a value would be read as code —
 * an exec task's `shell` (and the `args` appended to it) — and in `env` values, the reference becomes
 * `${FLOE_MATRIX_AXIS}`: the value reaches the task as data in its environment, as a form value does, and no
 * value can add a command (docs/security.md "Matrix values"). A `cmd` without `args` is split into words before
 * they are filled in, so a value with a space stays one argument. A reference to an axis the matrix does not have
 * stays as written (a lint error).
 */
export function combinationTask(task: ResolvedTask, values: Record<string, string>): ResolvedTask {
  const { matrix: _matrix, listen: _listen, ...rest } = task;
  const fill = (text: string) =>
    text.replace(MATRIX_REF, (ref, axis: string) => (Object.hasOwn(values, axis) ? (values[axis] as string) : ref));
  const asVariable = (text: string) =>
    text.replace(MATRIX_REF, (ref, axis: string) =>
      Object.hasOwn(values, axis) ? `\${${matrixVariable(axis)}}` : ref,
    );
  const fillAll = (value: unknown, how: (text: string) => string): unknown => {
    if (typeof value === 'string') return how(value);
    if (Array.isArray(value)) return value.map((item) => fillAll(item, how));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillAll(item, how)]));
    }
    return value;
  };
  const opts: Record<string, unknown> = { ...(task.opts ?? {}) };
  for (const [key, value] of Object.entries(opts)) {
    const script = task.type === 'exec' && (key === 'shell' || (key === 'args' && opts.shell !== undefined));
    opts[key] = fillAll(value, script || key === 'env' ? asVariable : fill);
  }
  if (task.type === 'exec' && opts.args === undefined && /\{\{\s*matrix\./.test(task.opts.cmd ?? '')) {
    const [cmd = '', ...args] = (task.opts.cmd ?? '').trim().split(/\s+/).map(fill);
    Object.assign(opts, { cmd, args });
  }
  const label = Object.values(values).join(', ');
  return {
    ...rest,
    opts,
    id: combinationId(task.id, values),
    name: `${task.name} (${label})`,
    combination: { of: task.id, values },
  } as ResolvedTask;
}
