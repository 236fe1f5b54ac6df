// What a task tells about itself besides its log (DESIGN §5 `report` records): annotations it printed as
// `::error file=F,line=L::message` commands, the Markdown it wrote to `$FLOE_SUMMARY`, and the JUnit reports its
// `reports:` names. The runner reads them (runner/src/execution/task-commands.ts, read-summary.ts,
// read-junit.ts), masked and capped; the hub stores them with the run and shows them on the run page and the
// check run. Every field has a bound, so a hostile task cannot grow a record past them.
import { z } from 'zod';

/** Annotations kept per task attempt; past it the runner says how many it dropped. */
export const MAX_ANNOTATIONS_PER_TASK = 100;
/** A summary longer than this (UTF-8 bytes) is cut, and says so. */
export const MAX_SUMMARY_BYTES = 64 * 1024;
/** Failed test cases kept per report; the counts still count all. */
export const MAX_FAILED_TESTS = 100;

const Text = (max: number) => z.string().max(max);

export const AnnotationLevelSchema = z.enum(['error', 'warning', 'notice']);
export type AnnotationLevel = z.infer<typeof AnnotationLevelSchema>;

export const AnnotationSchema = z.object({
  type: z.literal('annotation'),
  level: AnnotationLevelSchema,
  message: Text(4096),
  title: Text(255).optional(),
  /** Relative to the repository (the workspace), `/`-separated, never climbing out of it. */
  file: Text(1000).optional(),
  line: z.number().int().positive().optional(),
  endLine: z.number().int().positive().optional(),
  col: z.number().int().positive().optional(),
  /** The line of the node's log (from 1, all attempts) that printed it, when known. */
  logLine: z.number().int().positive().optional(),
});
export type Annotation = z.infer<typeof AnnotationSchema>;

export const SummaryReportSchema = z.object({
  type: z.literal('summary'),
  /** Markdown as the task wrote it (masked); to be sanitised wherever it is rendered. */
  markdown: Text(MAX_SUMMARY_BYTES),
  /** The task wrote more than MAX_SUMMARY_BYTES: this is its beginning. */
  truncated: z.boolean(),
});
export type SummaryReport = z.infer<typeof SummaryReportSchema>;

export const FailedTestSchema = z.object({
  name: Text(1000),
  suite: Text(1000).optional(),
  classname: Text(1000).optional(),
  message: Text(4096).optional(),
  /** The test's source file when the report names one, else the report's own file; repository-relative. */
  file: Text(1000).optional(),
  line: z.number().int().positive().optional(),
});
export type FailedTest = z.infer<typeof FailedTestSchema>;

export const TestReportSchema = z.object({
  type: z.literal('tests'),
  /** The report files read, repository-relative. */
  files: z.array(Text(1000)).max(1000),
  tests: z.number().int().nonnegative(),
  failures: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  /** The failed (or errored) test cases, the first MAX_FAILED_TESTS of them. */
  failed: z.array(FailedTestSchema).max(MAX_FAILED_TESTS),
  /** Files that could not be read and why (too big, not XML, an entity declaration). */
  problems: z.array(Text(1000)).max(100),
});
export type TestReport = z.infer<typeof TestReportSchema>;

export const TaskReportSchema = z.discriminatedUnion('type', [AnnotationSchema, SummaryReportSchema, TestReportSchema]);
export type TaskReport = z.infer<typeof TaskReportSchema>;
