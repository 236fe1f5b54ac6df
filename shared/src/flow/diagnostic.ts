// One finding about a FLOE.yaml, the record that the CLI, check-run annotations, VS Code and the dashboard all print
// (CONTRIBUTING.md "Findings are values"). Positions count from 1; the end is exclusive of the last column, as editors
// expect.
import { z } from 'zod';
import type { DiagnosticCode } from './diagnostic-codes.js';

export const SeveritySchema = z.enum(['error', 'warning']);
export type Severity = z.infer<typeof SeveritySchema>;

/** A span in a file: 1-based lines and columns; `endColumn` is the column just after the last character. */
export const RangeSchema = z.object({
  line: z.number().int().min(1),
  column: z.number().int().min(1),
  endLine: z.number().int().min(1),
  endColumn: z.number().int().min(1),
});
export type Range = z.infer<typeof RangeSchema>;

export const DiagnosticSchema = RangeSchema.extend({
  file: z.string(),
  severity: SeveritySchema,
  /** Stable kebab-case code from DIAGNOSTIC_CODES; a retired code is never reused. */
  code: z.string(),
  /** A sentence a person understands. */
  message: z.string(),
  /** What to do about it, e.g. "did you mean `listen`?". */
  hint: z.string().optional(),
  /** The flow the finding belongs to, when it belongs to one. */
  flowId: z.string().optional(),
});
export type Diagnostic = z.infer<typeof DiagnosticSchema> & { code: DiagnosticCode };

/** The range of the first character of a file: where findings without a better place go. */
export const FILE_START: Range = { line: 1, column: 1, endLine: 1, endColumn: 2 };
