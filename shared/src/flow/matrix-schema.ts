// `matrix:` on a task (docs/floe-yaml.md "Matrices"): one task, run once for each combination of its axes' values.
// Kept out of flow-schema.ts, which holds one line for it, so that the schema stays one readable page.
import { z } from 'zod';

/** The most combinations one matrix may make: more is a lint error (`matrix-too-large`). */
export const MAX_MATRIX_COMBINATIONS = 256;

/** The longest axis value, in characters: values become parts of ids, environment values and log lines. */
export const MAX_MATRIX_VALUE_LENGTH = 100;

/**
 * An axis name: lower-case letters, digits and `_`, starting with a letter. It becomes `FLOE_MATRIX_<AXIS>`
 * (upper-cased) and a part of each combination's id, so two names that differ only in case or in `-` / `_`, which
 * would give one variable, cannot both be written.
 */
export const MatrixAxisNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, 'an axis name of lower-case letters, digits and `_`, starting with a letter');

/**
 * An axis value: a string, number or boolean, read as its text. Control characters (tab and newline included) are
 * refused: a value reaches a task's environment and its log lines as it is, and is part of what a person reads.
 */
export const MatrixValueSchema = z
  .union([
    z
      .string()
      .max(MAX_MATRIX_VALUE_LENGTH)
      .regex(/^[^\u0000-\u001f\u007f\ud800-\udfff]*$/u, 'a value without control characters'),
    z.number(),
    z.boolean(),
  ])
  .describe('An axis value; numbers and booleans are used as their text.');
export type MatrixValue = z.infer<typeof MatrixValueSchema>;

/** One combination as written under `include` / `exclude`: axis name → value. */
const CombinationSchema = z.record(MatrixAxisNameSchema, MatrixValueSchema);

export const MatrixSchema = z
  .strictObject({
    axes: z
      .record(MatrixAxisNameSchema, z.array(MatrixValueSchema).max(MAX_MATRIX_COMBINATIONS))
      .default({})
      .describe('Axis name → its values; every combination of the values is run (e.g. `node: [18, 20]`).'),
    include: z
      .array(CombinationSchema)
      .max(MAX_MATRIX_COMBINATIONS)
      .default([])
      .describe('Extra combinations, each giving a value for every axis.'),
    exclude: z
      .array(CombinationSchema)
      .max(MAX_MATRIX_COMBINATIONS)
      .default([])
      .describe('Combinations left out: each leaves out every combination with all of its values.'),
    'max-parallel': z
      .number()
      .int()
      .positive()
      .optional()
      .describe("How many combinations run at once; default the runner's slots."),
    'fail-fast': z
      .boolean()
      .default(true)
      .describe('The first combination that fails cancels the others and fails the task at once.'),
  })
  .describe('Run this task once for each combination of the axes (docs/floe-yaml.md "Matrices").');
export type Matrix = z.infer<typeof MatrixSchema>;

/** What a resolved combination node carries: the matrix task it belongs to and its own values, by axis. */
export const CombinationOfSchema = z.strictObject({
  of: z.string().describe('The id of the matrix task.'),
  values: z.record(z.string(), z.string()).describe('Axis name → value, in axis order.'),
});
export type CombinationOf = z.infer<typeof CombinationOfSchema>;
