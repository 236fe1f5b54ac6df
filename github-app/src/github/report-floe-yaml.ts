// An invalid FLOE.yaml gives one failing check run named "FLOE.yaml" with an annotation at each diagnostic's lines
// (DESIGN §6), from the same Diagnostic records the CLI and the editor print (CONTRIBUTING.md "Findings are values").
import type { Diagnostic } from '@floe/shared';
import type { ProbotOctokit } from 'probot';
import { clip, MAX_CHECK_TEXT } from './check-run-output.js';

/** GitHub takes at most 50 annotations per request; more are sent by further updates of the same check run. */
export const MAX_ANNOTATIONS_PER_REQUEST = 50;

export const FLOE_YAML_CHECK = 'FLOE.yaml';

type Annotation = {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'failure' | 'warning';
  message: string;
  title: string;
};

/** Check-run annotations for diagnostics; columns only for one-line ranges (GitHub's rule). */
export function annotationsOf(diagnostics: Diagnostic[]): Annotation[] {
  return diagnostics.map((d) => ({
    path: d.file,
    start_line: d.line,
    end_line: Math.max(d.endLine, d.line),
    ...(d.endLine === d.line ? { start_column: d.column, end_column: Math.max(d.endColumn - 1, d.column) } : {}),
    annotation_level: d.severity === 'error' ? 'failure' : 'warning',
    message: clip(`${d.message}${d.hint ? ` (${d.hint})` : ''}`, 64_000),
    title: d.code,
  }));
}

/** Creates the failing "FLOE.yaml" check run on `sha`; returns its id. */
export async function reportFloeYaml(
  octokit: ProbotOctokit,
  at: { owner: string; repo: string; sha: string; detailsUrl?: string },
  diagnostics: Diagnostic[],
): Promise<number> {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const title = `FLOE.yaml has ${errors.length} error${errors.length === 1 ? '' : 's'}`;
  const summary = clip(
    [
      `${title}; the flows they belong to cannot run until they are fixed.`,
      '',
      ...diagnostics.map(
        (d) =>
          `- \`${d.file}:${d.line}:${d.column}\` ${d.severity} \`${d.code}\`: ${d.message}${d.hint ? ` (${d.hint})` : ''}`,
      ),
    ].join('\n'),
    MAX_CHECK_TEXT,
  );
  const annotations = annotationsOf(diagnostics);
  const batches: Annotation[][] = [];
  for (let i = 0; i < annotations.length; i += MAX_ANNOTATIONS_PER_REQUEST) {
    batches.push(annotations.slice(i, i + MAX_ANNOTATIONS_PER_REQUEST));
  }
  const output = (batch: Annotation[] | undefined) => ({ title, summary, ...(batch ? { annotations: batch } : {}) });
  const { data } = await octokit.rest.checks.create({
    owner: at.owner,
    repo: at.repo,
    name: FLOE_YAML_CHECK,
    head_sha: at.sha,
    status: 'completed',
    conclusion: 'failure',
    completed_at: new Date().toISOString(),
    ...(at.detailsUrl ? { details_url: at.detailsUrl } : {}),
    output: output(batches[0]),
  });
  for (const batch of batches.slice(1)) {
    await octokit.rest.checks.update({
      owner: at.owner,
      repo: at.repo,
      check_run_id: data.id,
      output: output(batch),
    });
  }
  return data.id;
}
