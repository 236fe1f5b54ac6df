// A run's annotations as GitHub check-run annotations (DESIGN §6): those printed as `::error file=…` commands and
// the failed tests of its reports that name a file. GitHub takes at most 50 in one request and needs a file and a
// line for each; annotations without a file stay on floe's run page.
import type { RunDetail } from '@floe/shared';

/** GitHub's limit of annotations per create or update request. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** Annotations sent for one run at most; the check run's summary says when there were more. */
export const MAX_CHECK_ANNOTATIONS = 500;

export type CheckAnnotation = {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
};

const LEVEL = { error: 'failure', warning: 'warning', notice: 'notice' } as const;

/** Every annotation GitHub can take, in the order the tasks reported them, and how many were left out. */
export function checkAnnotations(run: RunDetail): { annotations: CheckAnnotation[]; dropped: number } {
  const all: CheckAnnotation[] = [];
  for (const { report } of run.reports ?? []) {
    if (report.type === 'annotation' && report.file !== undefined) {
      const line = report.line ?? 1;
      const annotation: CheckAnnotation = {
        path: report.file,
        start_line: line,
        end_line: report.endLine ?? line,
        annotation_level: LEVEL[report.level],
        message: report.message || '(no message)',
        ...(report.title ? { title: report.title } : {}),
      };
      // GitHub refuses columns on an annotation spanning lines.
      if (report.col !== undefined && annotation.end_line === line) {
        annotation.start_column = report.col;
        annotation.end_column = report.col;
      }
      all.push(annotation);
    } else if (report.type === 'tests') {
      for (const test of report.failed) {
        if (test.file === undefined) continue;
        all.push({
          path: test.file,
          start_line: test.line ?? 1,
          end_line: test.line ?? 1,
          annotation_level: 'failure',
          title: [test.classname, test.name].filter(Boolean).join(' ').slice(0, 255),
          message: (test.message || 'failed').slice(0, 4096),
        });
      }
    }
  }
  return { annotations: all.slice(0, MAX_CHECK_ANNOTATIONS), dropped: Math.max(0, all.length - MAX_CHECK_ANNOTATIONS) };
}

/** `annotations` in batches GitHub accepts. */
export function annotationBatches(annotations: CheckAnnotation[]): CheckAnnotation[][] {
  const batches: CheckAnnotation[][] = [];
  for (let i = 0; i < annotations.length; i += ANNOTATIONS_PER_REQUEST) {
    batches.push(annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  }
  return batches;
}
